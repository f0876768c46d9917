"""The durable store against the built binary: call history from signed Twilio callbacks (shuffled,
repeated), who sees which calls, logins across restarts, kill -9 during a callback storm, a bad
database at start, disk full while serving, the CLI's migrate/backup/export-calls."""
import concurrent.futures
import csv
import io
import os
import random
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.parse

import pytest
import requests
from twilio.request_validator import RequestValidator

from conftest import AUTH_TOKEN, DEFAULT_INI, binary, start_server
from test_twilio import login

ALICE_NUMBER = "+442079460174"   # alice
BOB_NUMBER = "+15005550006"      # bob and carol


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ini_on_port(port, store_lines=""):
    text = DEFAULT_INI.replace("listen = 127.0.0.1:0", f"listen = 127.0.0.1:{port}")
    return text + ("\n[store]\n" + store_lines if store_lines else "")


# Call times a few days back: well inside [store] history_days, so the hourly purge never races a test.
BASE = int(time.time()) - 7 * 86400


def sid(kind, n):
    return "CA" + f"{kind}{n:031x}"[-32:]


def signed_post(http, server, path, params):
    url = server.url(path)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return http.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)


def rfc2822(seconds):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(seconds))


def incoming_call_callbacks(n, answered_by):
    """Every webhook Twilio sends for one incoming call to bob's number, rung to bob and carol."""
    root = sid(1, n)
    base = BASE + n * 1000
    caller = f"+4420794600{n:02d}"
    legs = {"bob": sid(2, n), "carol": sid(3, n)}
    status_path = "/status?number=" + urllib.parse.quote(BOB_NUMBER)
    hooks = [("/voice", {"CallSid": root, "From": caller, "To": BOB_NUMBER, "Direction": "inbound",
                         "CallerName": f"Caller {n}", "AccountSid": "AC" + "a" * 32})]
    for user, leg in legs.items():
        common = {"CallSid": leg, "ParentCallSid": root, "From": caller, "To": "client:" + user}
        hooks.append((status_path, {**common, "CallStatus": "ringing", "Timestamp": rfc2822(base + 1)}))
        if user == answered_by:
            hooks.append((status_path, {**common, "CallStatus": "in-progress", "Timestamp": rfc2822(base + 5)}))
            hooks.append((status_path, {**common, "CallStatus": "completed", "CallDuration": "42",
                                        "Timestamp": rfc2822(base + 47)}))
        else:
            final = "canceled" if answered_by else "no-answer"
            hooks.append((status_path, {**common, "CallStatus": final, "Timestamp": rfc2822(base + 25)}))
    dial_status = "completed" if answered_by else "no-answer"
    action = {"CallSid": root, "From": caller, "To": BOB_NUMBER, "DialCallStatus": dial_status}
    if answered_by:
        action.update({"DialCallSid": legs[answered_by], "DialCallDuration": "42"})
    hooks.append(("/voice", action))
    return root, caller, hooks


def outgoing_call_callbacks(n, user, number, destination, answered):
    root = sid(4, n)
    leg = sid(5, n)
    base = BASE + 100_000 + n * 1000
    status_path = "/status?" + urllib.parse.urlencode({"number": number, "user": user})
    hooks = [("/voice", {"CallSid": root, "From": "client:" + user, "To": destination, "AccountSid": "AC" + "a" * 32})]
    common = {"CallSid": leg, "ParentCallSid": root, "From": number, "To": destination}
    hooks.append((status_path, {**common, "CallStatus": "ringing", "Timestamp": rfc2822(base + 1)}))
    if answered:
        hooks.append((status_path, {**common, "CallStatus": "in-progress", "Timestamp": rfc2822(base + 3)}))
        hooks.append((status_path, {**common, "CallStatus": "completed", "CallDuration": "10", "Timestamp": rfc2822(base + 13)}))
    else:
        hooks.append((status_path, {**common, "CallStatus": "busy", "Timestamp": rfc2822(base + 4)}))
    return root, hooks


def calls_of(session, server, **params):
    response = session.get(server.url("/api/calls"), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_shuffled_and_repeated_signed_callbacks_give_one_correct_record_per_call(shetphone_server):
    server = shetphone_server
    expected = {}
    hooks = []
    for n in range(6):
        answered_by = ["bob", "carol", None][n % 3]
        root, caller, call_hooks = incoming_call_callbacks(n, answered_by)
        expected[root] = (answered_by, caller, n)
        hooks += call_hooks
    hooks = hooks + random.sample(hooks, len(hooks) // 2)   # half of them twice
    random.shuffle(hooks)
    with requests.Session() as http:
        for path, params in hooks:
            response = signed_post(http, server, path, params)
            assert response.status_code in (200, 204), (path, response.status_code, response.text)

    bob = login(server, "bob")
    listed = calls_of(bob, server)
    by_sid = {call["callSid"]: call for call in listed["calls"]}
    assert set(by_sid) == set(expected), listed
    for root, (answered_by, caller, n) in expected.items():
        call = by_sid[root]
        assert call["direction"] == "incoming"
        assert call["number"] == BOB_NUMBER
        assert call["other"] == caller
        assert call["callerName"] == f"Caller {n}"
        assert call["usersRung"] == ["bob", "carol"]
        assert call["state"] == "ended"
        if answered_by:
            assert call["outcome"] == "completed", call
            assert call["answeredBy"] == answered_by
            assert call["duration"] == 42
        else:
            assert call["outcome"] == "missed", call
            assert call["answeredBy"] is None
            assert call["missed"] is True
    assert listed["unseenMissed"] == 2
    # Newest first: the calls' first callbacks came in shuffled, yet the order follows the start times
    # of the calls (a call's start is the earliest time any of its callbacks reported).
    assert len(listed["calls"]) == 6


SEPARATE_NUMBERS_INI = DEFAULT_INI.replace("alice = +442079460174 +15005550006", "alice = +442079460174\nbob = +15005550006")


def test_two_users_on_different_numbers_see_only_their_own_calls(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    hooks = []
    bob_root, _, bob_hooks = incoming_call_callbacks(1, "bob")
    hooks += bob_hooks
    alice_out, alice_hooks = outgoing_call_callbacks(1, "alice", ALICE_NUMBER, "+442071234567", answered=True)
    hooks += alice_hooks
    alice_busy, busy_hooks = outgoing_call_callbacks(2, "alice", BOB_NUMBER, "+12025550123", answered=False)
    hooks += busy_hooks
    with requests.Session() as http:
        for path, params in hooks:
            assert signed_post(http, server, path, params).status_code in (200, 204)

    alice = login(server, "alice")   # on +442079460174 only
    bob = login(server, "bob")       # on +15005550006
    alice_calls = {c["callSid"]: c for c in calls_of(alice, server)["calls"]}
    bob_calls = {c["callSid"]: c for c in calls_of(bob, server)["calls"]}
    assert set(alice_calls) == {alice_out, alice_busy}
    assert alice_calls[alice_out]["outcome"] == "completed" and alice_calls[alice_out]["duration"] == 10
    assert alice_calls[alice_busy]["outcome"] == "busy"
    # Bob is on the number alice's second call went out with, but her outgoing calls are hers alone.
    assert set(bob_calls) == {bob_root}

    # Search: digits in any format, and names.
    assert [c["callSid"] for c in calls_of(alice, server, q="(020) 7123-4567")["calls"]] == [alice_out]
    assert [c["callSid"] for c in calls_of(bob, server, q="caller 1")["calls"]] == [bob_root]
    assert calls_of(bob, server, q="nobody by this name")["calls"] == []


def test_paging_missed_filter_seen_and_bad_parameters(shetphone_server):
    server = shetphone_server
    with requests.Session() as http:
        for n in range(7):
            for path, params in incoming_call_callbacks(n, None if n % 2 else "bob")[2]:
                assert signed_post(http, server, path, params).status_code in (200, 204)
    bob = login(server, "bob")
    pages, cursor = [], None
    while True:
        page = calls_of(bob, server, limit=3, **({"before": cursor} if cursor else {}))
        pages.append([c["callSid"] for c in page["calls"]])
        cursor = page["next"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    flat = [s for p in pages for s in p]
    assert flat == [sid(1, n) for n in reversed(range(7))]
    missed = calls_of(bob, server, missed=1)
    assert [c["callSid"] for c in missed["calls"]] == [sid(1, n) for n in (5, 3, 1)]
    assert missed["unseenMissed"] == 3

    csrf = bob.get(server.url("/api/me")).json()["csrf"]
    assert bob.post(server.url("/api/calls/seen")).status_code == 403          # no CSRF token
    seen = bob.post(server.url("/api/calls/seen"), headers={"X-CSRF-Token": csrf})
    assert seen.status_code == 200 and seen.json() == {"unseenMissed": 0}
    assert calls_of(bob, server)["unseenMissed"] == 0

    for params in ({"limit": "0"}, {"limit": "999"}, {"before": "yesterday"}, {"missed": "yes"}, {"q": "x" * 65}):
        response = bob.get(server.url("/api/calls"), params=params)
        assert response.status_code == 400, params
        assert "error" in response.json()
    assert requests.get(server.url("/api/calls")).status_code == 401


def test_login_survives_a_restart_and_a_removed_user_loses_it(shetphone_factory, tmp_path):
    port = free_port()
    server = shetphone_factory(ini=ini_on_port(port))
    bob = login(server, "bob")
    carol = login(server, "carol")
    assert bob.get(server.url("/api/me")).status_code == 200
    server.stop()
    again = shetphone_factory(ini=ini_on_port(port))
    me = bob.get(again.url("/api/me"))
    assert me.status_code == 200 and me.json()["user"] == "bob"
    assert "logins kept from before the restart" in again.log()
    # The database holds the SHA-256 of the id only, never the cookie's value.
    cookie = bob.cookies.get("shetphone_session")
    with sqlite3.connect(os.path.join(tmp_path, "shetphone.db")) as db:
        keys = [row[0] for row in db.execute("SELECT key FROM sessions")]
    assert cookie not in keys and len(keys) == 2 and all(len(k) == 64 for k in keys)
    # Logging out ends it for good, across the next restart too.
    csrf = carol.get(again.url("/api/me")).json()["csrf"]
    assert carol.post(again.url("/logout"), headers={"X-CSRF-Token": csrf}, allow_redirects=False).status_code == 303
    again.stop()
    third = shetphone_factory(ini=ini_on_port(port))
    assert carol.get(third.url("/api/me")).status_code == 401
    assert bob.get(third.url("/api/me")).status_code == 200


def test_a_logout_is_answered_after_its_delete_committed_so_kill_9_right_after_keeps_it(shetphone_factory):
    # Twenty sessions log out at once; the server is killed (no shutdown drain) the moment the
    # last 303 arrives. Every logout that was answered must stay a logout after the restart.
    port = free_port()
    server = shetphone_factory(ini=ini_on_port(port))
    sessions = [login(server, "carol") for _ in range(20)]
    keeper = login(server, "bob")
    tokens = [s.get(server.url("/api/me")).json()["csrf"] for s in sessions]

    def logout(pair):
        http, csrf = pair
        return http.post(server.url("/logout"), headers={"X-CSRF-Token": csrf}, allow_redirects=False).status_code
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(logout, zip(sessions, tokens)))
    server.proc.kill()
    server.proc.wait()
    assert statuses == [303] * 20
    again = shetphone_factory(ini=ini_on_port(port))
    assert [s.get(again.url("/api/me")).status_code for s in sessions] == [401] * 20
    assert keeper.get(again.url("/api/me")).status_code == 200


def test_kill_9_during_5000_signed_status_callbacks_loses_no_acknowledged_one(shetphone_factory, tmp_path):
    port = free_port()
    server = shetphone_factory(ini=ini_on_port(port))
    url = server.url("/status?number=" + urllib.parse.quote(BOB_NUMBER))
    validator = RequestValidator(AUTH_TOKEN)
    total = 5000
    acknowledged = []
    bodies = []
    for n in range(total):
        params = {"CallSid": sid(6, n), "CallStatus": "ringing", "From": "+442079460011", "To": BOB_NUMBER,
                  "Timestamp": rfc2822(BASE + n)}
        bodies.append((n, params, validator.compute_signature(url, params)))

    def send(chunk):
        done = []
        with requests.Session() as http:
            for n, params, signature in chunk:
                try:
                    response = http.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
                except requests.RequestException:
                    break   # the server is gone
                if 200 <= response.status_code < 300:
                    done.append(n)
        return done

    chunks = [bodies[i::8] for i in range(8)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(send, chunk) for chunk in chunks]
        # Kill it once a good part has been answered.
        while server.proc.poll() is None:
            with sqlite3.connect(os.path.join(tmp_path, "shetphone.db"), timeout=10) as db:
                if db.execute("SELECT count(*) FROM calls").fetchone()[0] >= total // 3:
                    break
            time.sleep(0.02)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        for future in futures:
            acknowledged += future.result()
    # Rows are committed before their answers go out, so fewer answers than rows may have arrived.
    assert 0 < len(acknowledged) < total, len(acknowledged)

    again = shetphone_factory(ini=ini_on_port(port))
    with sqlite3.connect(os.path.join(tmp_path, "shetphone.db")) as db:
        stored = {row[0] for row in db.execute("SELECT sid FROM calls")}
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    missing = [n for n in acknowledged if sid(6, n) not in stored]
    assert missing == [], f"{len(missing)} acknowledged callbacks lost"
    again.stop()


@pytest.mark.parametrize("damage", ["not-a-database", "newer-schema", "unreadable", "locked"])
def test_a_bad_database_at_start_is_one_clear_error_and_exit_1(tmp_path, damage):
    db_path = tmp_path / "shetphone.db"
    ini = DEFAULT_INI.format(account_sid="AC" + "a" * 32, auth_token=AUTH_TOKEN, app_sid="AP" + "b" * 32,
                             api_key_sid="SK" + "c" * 32, api_key_secret="x", tmp=tmp_path)
    (tmp_path / "shetphone.ini").write_text(ini)
    subprocess.run(["htpasswd", "-cbB", "-C", "5", str(tmp_path / ".htpasswd"), "bob", "pw"], check=True, capture_output=True)
    holder = None
    if damage == "not-a-database":
        db_path.write_bytes(b"this is no database, " * 500)
        cause = "not a database"
    else:
        migrated = subprocess.run([binary(), "migrate", "-c", str(tmp_path / "shetphone.ini")], capture_output=True, text=True)
        assert migrated.returncode == 0, migrated.stderr
        if damage == "newer-schema":
            with sqlite3.connect(db_path) as db:
                db.execute("PRAGMA user_version = 999")
            cause = "newer than this shetphone"
        elif damage == "unreadable":
            if os.geteuid() == 0:
                pytest.skip("root reads any file")
            os.chmod(db_path, 0)
            cause = "unable to open"
        else:
            holder = sqlite3.connect(db_path, timeout=0, isolation_level=None)
            holder.execute("PRAGMA journal_mode = DELETE")
            holder.execute("BEGIN EXCLUSIVE")
            cause = "locked"
    try:
        result = subprocess.run([binary(), "serve", "--config", str(tmp_path / "shetphone.ini")],
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)
    finally:
        if holder:
            holder.rollback()
            holder.close()
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("shetphone: ")]
    assert len(errors) == 1, result.stderr
    assert str(db_path) in errors[0] and cause in errors[0], errors[0]


def test_migrate_backup_and_export_calls(shetphone_server):
    server = shetphone_server
    with requests.Session() as http:
        for path, params in incoming_call_callbacks(3, "carol")[2]:
            assert signed_post(http, server, path, params).status_code in (200, 204)
        root, hooks = outgoing_call_callbacks(9, "alice", ALICE_NUMBER, "+442071234567", answered=False)
        for path, params in hooks:
            assert signed_post(http, server, path, params).status_code in (200, 204)
    config = os.path.join(server.workdir, "shetphone.ini")
    migrate = subprocess.run([binary(), "migrate", "-c", config, "--dry-run"], capture_output=True, text=True)
    assert migrate.returncode == 0 and "up to" not in migrate.stdout and "schema version" in migrate.stdout, migrate
    copy = os.path.join(server.workdir, "copy.db")
    backup = subprocess.run([binary(), "backup", "-c", config, copy], capture_output=True, text=True)
    assert backup.returncode == 0, backup.stderr
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM calls").fetchone()[0] == 2
    again = subprocess.run([binary(), "backup", "-c", config, copy], capture_output=True, text=True)
    assert again.returncode == 1 and "already exists" in again.stderr
    export = subprocess.run([binary(), "export-calls", "-c", config], capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    assert [row["call_sid"] for row in rows] == [sid(1, 3), root]
    assert rows[0]["answered_by"] == "carol" and rows[0]["outcome"] == "completed" and rows[0]["duration_seconds"] == "42"
    assert rows[1]["outcome"] == "busy" and rows[1]["user"] == "alice" and rows[1]["other_party"] == "+442071234567"


def test_disk_full_answers_503_to_webhooks_keeps_serving_and_recovers(shetphone_factory, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): " + mounted.stderr.strip())
    try:
        server = shetphone_factory(ini=DEFAULT_INI + f"\n[store]\npath = {mount}/shetphone.db\n")
        bob = login(server, "bob")
        filler = mount / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:
            pass   # the disk is full now
        finally:
            os.close(fd)
        url_path = "/status?number=" + urllib.parse.quote(BOB_NUMBER)
        statuses = []
        with requests.Session() as http:
            for n in range(3000):
                params = {"CallSid": sid(7, n), "CallStatus": "ringing", "From": "+442079460012", "To": BOB_NUMBER,
                          "CallerName": "x" * 100}
                response = signed_post(http, server, url_path, params)
                statuses.append(response.status_code)
                if response.status_code == 503:
                    break
            assert statuses[-1] == 503, statuses
            assert "Retry-After" in response.headers
            # Everything else keeps working.
            assert bob.get(server.url("/api/me")).status_code == 200
            assert requests.get(server.url("/healthz")).status_code in (200, 503)
            assert bob.get(server.url("/api/calls")).status_code == 200
            for _ in range(5):
                assert signed_post(http, server, url_path, params).status_code == 503
            os.unlink(filler)
            assert signed_post(http, server, url_path, params).status_code == 204
        assert server.proc.poll() is None
        # The log is read by a thread: wait for the recovery line to arrive before counting.
        deadline = time.time() + 20
        while "writes work again" not in server.log() and time.time() < deadline:
            time.sleep(0.05)
        log = server.log()
        assert "writes work again" in log, log
        assert log.count("writes are failing") == 1, log
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)

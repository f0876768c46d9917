"""The intercom against the real binary: every branch of the signed Twilio webhook, the grant
link and its throttle, the dialer's JSON routes, `shetphone grant`, and a grant and a used
single-use door code surviving a restart. Signatures are made by twilio-python's RequestValidator."""
import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import requests

from conftest import DEFAULT_INI, binary

INTERCOM = "+442079460999"
RESIDENT = "+447700900123"
STRANGER = "+15005550006"
GRANT_CODE = "open-sesame-0123456789"
NUMBERS_QUERY = "PhoneNumberToDial=%2B447700900123&ExpectedFrom=%2B442079460999"


def ini_with(intercom_lines):
    """The default config plus an [intercom] section."""
    return DEFAULT_INI + "\n[intercom]\n" + intercom_lines + "\n"


def webhook(server, target, form, signature=None, sign_as=None):
    """POSTs a Twilio webhook to `target` (path and query), signed over the full URL as Twilio does."""
    url = server.url(target)
    signed = server.sign(server.url(sign_as or target), form)
    headers = {"X-Twilio-Signature": signed if signature is None else signature}
    return requests.post(url, data=form, headers=headers, timeout=5)


def twiml(response):
    """The verbs of a TwiML answer as (name, attributes, text, children) trees."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return list(root)


def names(verbs):
    return [verb.tag for verb in verbs]


def call(server, query=NUMBERS_QUERY, caller=INTERCOM, path="/intercom", **extra):
    form = {"CallSid": "CA" + "1" * 32, "AccountSid": server.account_sid, "From": caller, "To": "+442079460174"}
    form.update(extra)
    target = path + ("?" + query if query else "")
    return webhook(server, target, form)


def login(server, user="alice"):
    """A requests.Session logged in through the real login form, with the session's CSRF token set."""
    session = requests.Session()
    page = session.get(server.url("/login"), timeout=5)
    assert page.status_code == 200
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = session.post(server.url("/login"), allow_redirects=False, timeout=10,
                        data={"username": user, "password": server.users[user], "csrf": token, "next": "/"})
    assert done.status_code == 303, done.text
    me = session.get(server.url("/api/me"), timeout=5)
    assert me.status_code == 200, me.text
    session.headers["X-CSRF-Token"] = me.json()["csrf"]
    return session


def database(server):
    """The server's SQLite store (`shetphone.db` in its state folder), opened beside it."""
    return sqlite3.connect(os.path.join(server.workdir, "shetphone.db"), timeout=10)


def write_grant(server, started_at, until, by="cli"):
    """Writes a grant into the store as another writer would (unannounced, like `shetphone grant`)."""
    with contextlib.closing(database(server)) as db, db:
        db.execute("INSERT INTO intercom_grant (id, started_at, until, by, announced) VALUES (1, ?, ?, ?, 0) "
                   "ON CONFLICT(id) DO UPDATE SET started_at = excluded.started_at, until = excluded.until, "
                   "by = excluded.by, announced = 0", (started_at, until, by))


def read_state(server):
    """The intercom's state in the store, in the shape of the old intercom-state.json."""
    with contextlib.closing(database(server)) as db:
        row = db.execute("SELECT started_at, until, by FROM intercom_grant").fetchone()
        codes = sorted(code for (code,) in db.execute("SELECT code FROM intercom_used_codes"))
        openings = [{"at": at, "how": how, "from": caller} for (at, how, caller) in
                    db.execute("SELECT at, how, caller FROM intercom_openings ORDER BY at DESC, id DESC")]
    grant = {"startedAt": row[0], "until": row[1], "by": row[2]} if row else None
    return {"grant": grant, "usedCodes": codes, "openings": openings}


def grant_cli(server, *args):
    return subprocess.run([binary(), "grant", "--config", os.path.join(server.workdir, "shetphone.ini"), *args],
                          cwd=server.workdir, capture_output=True, text=True, timeout=30)


def wait_for(predicate, timeout=5.0, message="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


# MARK: Who calls


def test_a_call_from_another_number_is_rejected_and_never_forwarded(shetphone_factory):
    server = shetphone_factory(ini=ini_with("ring_clients = alice"))
    verbs = twiml(call(server, caller=STRANGER))
    assert names(verbs) == ["Reject"]
    wait_for(lambda: '"+15005550006"' in server.log() and "rejected" in server.log(), message="the refusal in the log")


def test_without_any_expected_from_every_call_is_rejected(shetphone_factory):
    server = shetphone_factory(ini=ini_with(f"dial = {RESIDENT}"))
    assert names(twiml(call(server, query=""))) == ["Reject"]
    wait_for(lambda: "no ExpectedFrom" in server.log(), message="the reason in the log")


def test_unsigned_and_tampered_webhooks_are_403(shetphone_factory):
    server = shetphone_factory(ini=ini_with(f"expected_from = {INTERCOM}\ndial = {RESIDENT}"))
    form = {"From": INTERCOM}
    unsigned = requests.post(server.url("/intercom"), data=form, timeout=5)
    assert unsigned.status_code == 403
    # Signed for the intercom's query, sent with the prankster's number as ExpectedFrom.
    forged = "/intercom?PhoneNumberToDial=%2B447700900123&ExpectedFrom=%2B15005550006"
    tampered = webhook(server, forged, {"From": STRANGER}, sign_as="/intercom?" + NUMBERS_QUERY)
    assert tampered.status_code == 403
    assert "Dial" not in tampered.text


# MARK: Forwarding


def test_forwarding_dials_the_number_of_the_url_without_clients(shetphone_factory):
    server = shetphone_factory(ini=ini_with(""))
    verbs = twiml(call(server))
    assert names(verbs) == ["Dial"]
    assert [(noun.tag, noun.text) for noun in verbs[0]] == [("Number", RESIDENT)]


def test_forwarding_rings_the_number_and_the_browsers_together(shetphone_factory):
    server = shetphone_factory(ini=ini_with(f"expected_from = {INTERCOM}\ndial = {RESIDENT}\nring_clients = alice bob"))
    verbs = twiml(call(server, query=""))
    assert names(verbs) == ["Dial"]
    assert [(noun.tag, noun.findtext("Identity") or noun.text) for noun in verbs[0]] == \
        [("Number", RESIDENT), ("Client", "alice"), ("Client", "bob")]
    # Each browser is told that the intercom calls and how its door opens (Voice SDK: call.customParameters).
    assert [[(p.attrib["name"], p.attrib["value"]) for p in noun.findall("Parameter")] for noun in verbs[0]] == \
        [[], [("intercom", "true"), ("openDigits", "ww9")], [("intercom", "true"), ("openDigits", "ww9")]]


def test_the_webhook_path_is_configurable(shetphone_factory):
    server = shetphone_factory(ini=ini_with("path = /door"))
    assert names(twiml(call(server, path="/door"))) == ["Dial"]
    # No route there any more: the static files answer (405 for a POST).
    assert call(server, path="/intercom").status_code in (404, 405)


# MARK: Grant periods


def test_the_grant_link_opens_the_door_until_the_time_it_shows(shetphone_factory):
    server = shetphone_factory(ini=ini_with(f"grant_code = {GRANT_CODE}\ngrant_minutes = 30\nopen_digits = w9"))
    page = requests.get(server.url("/grant"), params={"code": GRANT_CODE}, timeout=5)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert page.headers["Cache-Control"] == "no-store"
    assert "30 minutes left" in page.text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", page.text)
    verbs = twiml(call(server))
    assert names(verbs) == ["Play", "Pause"]
    assert verbs[0].attrib == {"digits": "w9"}
    opening = read_state(server)["openings"][0]
    assert opening["how"] == "grant" and opening["from"] == INTERCOM


def test_a_grant_ends_on_time_and_calls_are_forwarded_again(shetphone_factory):
    server = shetphone_factory(ini=ini_with(""))
    now = int(time.time())
    write_grant(server, now, now + 3)
    # The server reads the store again within about a second.
    wait_for(lambda: names(twiml(call(server))) == ["Play", "Pause"], message="the server to see the new grant")
    wait_for(lambda: names(twiml(call(server))) == ["Dial"], message="the grant to end")
    # The sweep removed the grant from the store without waiting for a request.
    wait_for(lambda: read_state(server)["grant"] is None, message="the grant's end in the store")


def test_without_a_grant_code_the_link_is_404(shetphone_factory):
    server = shetphone_factory(ini=ini_with(""))
    assert requests.get(server.url("/grant"), params={"code": GRANT_CODE}, timeout=5).status_code == 404


def test_brute_forcing_the_grant_link_hits_the_throttle(shetphone_factory):
    server = shetphone_factory(ini=ini_with(f"grant_code = {GRANT_CODE}"))
    for guess in range(5):
        wrong = requests.get(server.url("/grant"), params={"code": f"guess-{guess}-abcdefgh"}, timeout=5)
        assert wrong.status_code == 403
        assert wrong.text == "no\n"
    limited = requests.get(server.url("/grant"), params={"code": "guess-6-abcdefgh"}, timeout=5)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 900
    # The right code waits too, or the 429 would only slow down the wrong guesses.
    assert requests.get(server.url("/grant"), params={"code": GRANT_CODE}, timeout=5).status_code == 429
    assert names(twiml(call(server))) == ["Dial"]


# MARK: Door codes


def test_door_codes_right_wrong_expired_and_single_use(shetphone_factory):
    codes = "door_codes = 4711 2580:once 9999:2020-12-31"
    server = shetphone_factory(ini=ini_with(f"expected_from = {INTERCOM}\ndial = {RESIDENT}\n{codes}"))
    verbs = twiml(call(server))
    assert names(verbs) == ["Gather", "Redirect"]
    gather = verbs[0]
    assert gather.attrib["numDigits"] == "4"
    assert gather.attrib["timeout"] == "5"
    assert gather.attrib["method"] == "POST"
    assert gather.find("Say") is not None
    action = gather.attrib["action"]
    parsed = urllib.parse.urlsplit(action)
    assert parsed.path == "/intercom"
    assert urllib.parse.parse_qs(parsed.query) == {"step": ["code"], "PhoneNumberToDial": [RESIDENT],
                                                    "ExpectedFrom": [INTERCOM]}
    assert verbs[1].text == action

    visits = iter(range(1, 1000))

    def key_in(digits=None):
        # Each visitor is a call of its own (the same CallSid again is Twilio retrying).
        form = {"From": INTERCOM, "CallSid": f"CA{next(visits):032d}"}
        if digits is not None:
            form["Digits"] = digits
        # Twilio resolves the relative action against the URL it just requested, and signs that.
        return names(twiml(webhook(server, action, form)))

    assert key_in("4711") == ["Play", "Pause"]
    assert key_in("4712") == ["Dial"]
    assert key_in() == ["Dial"], "no digits before the timeout"
    assert key_in("9999") == ["Dial"], "expired at the end of 2020-12-31"
    assert key_in("2580") == ["Play", "Pause"]
    assert key_in("2580") == ["Dial"], "single-use"
    assert read_state(server)["usedCodes"] == ["2580"]
    assert [o["how"] for o in read_state(server)["openings"]] == ["code", "code"]

    # A restart does not revive the used code (key_in uses the new server).
    assert server.stop() == 0
    server = shetphone_factory(ini=server_ini(server))
    assert key_in("2580") == ["Dial"]
    assert key_in("4711") == ["Play", "Pause"]


def server_ini(server):
    with open(os.path.join(server.workdir, "shetphone.ini")) as f:
        return f.read()


# MARK: The dialer's JSON routes


def test_the_dialer_routes_need_a_login_and_its_csrf_token(shetphone_factory):
    server = shetphone_factory(ini=ini_with(""))
    anonymous = requests.get(server.url("/api/intercom"), timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.json() == {"error": "login required"}
    session = login(server)
    token = session.headers.pop("X-CSRF-Token")
    assert session.post(server.url("/api/intercom/grant"), json={"minutes": 30}, timeout=5).status_code == 403
    assert session.delete(server.url("/api/intercom/grant"), timeout=5).status_code == 403
    assert session.post(server.url("/api/intercom/grant"), json={"minutes": 30}, timeout=5,
                        headers={"X-CSRF-Token": token}).status_code == 200


def test_start_extend_and_end_a_grant_from_the_dialer(shetphone_factory):
    server = shetphone_factory(ini=ini_with("grant_minutes = 45\nmax_grant_minutes = 90"))
    session = login(server)
    status = session.get(server.url("/api/intercom"), timeout=5).json()
    assert status["grant"] == {"active": False}
    assert status["grantMinutes"] == 45 and status["maxGrantMinutes"] == 90
    assert status["openings"] == []

    before = int(time.time())
    started = session.post(server.url("/api/intercom/grant"), json={"minutes": 30}, timeout=5).json()["grant"]
    assert started["active"] is True and started["by"] == "alice"
    assert before + 1800 - 1 <= started["until"] <= int(time.time()) + 1800 + 1  # clocks round differently
    assert names(twiml(call(server))) == ["Play", "Pause"]

    extended = session.post(server.url("/api/intercom/grant"), json={"minutes": 30, "action": "extend"},
                            timeout=5).json()["grant"]
    assert extended["until"] == started["until"] + 1800
    capped = session.post(server.url("/api/intercom/grant"), json={"minutes": 90}, timeout=5).json()["grant"]
    assert capped["until"] <= int(time.time()) + 90 * 60

    bad = session.post(server.url("/api/intercom/grant"), json={"minutes": 91}, timeout=5)
    assert bad.status_code == 400
    assert "1 to 90" in bad.json()["error"]

    ended = session.delete(server.url("/api/intercom/grant"), timeout=5).json()
    assert ended["grant"] == {"active": False}
    assert [o["how"] for o in ended["openings"]] == ["grant"]
    assert names(twiml(call(server))) == ["Dial"]


def test_a_grant_survives_a_restart(shetphone_factory):
    server = shetphone_factory(ini=ini_with(f"grant_code = {GRANT_CODE}"))
    session = login(server)
    grant = session.post(server.url("/api/intercom/grant"), json={"minutes": 20}, timeout=5).json()["grant"]
    assert server.stop(signal.SIGTERM) == 0

    server = shetphone_factory(ini=server_ini(server))
    session = login(server)
    assert session.get(server.url("/api/intercom"), timeout=5).json()["grant"] == grant
    assert names(twiml(call(server))) == ["Play", "Pause"]


# MARK: shetphone grant


def test_the_grant_cli_changes_what_the_running_server_does(shetphone_factory):
    server = shetphone_factory(ini=ini_with("max_grant_minutes = 120"))
    assert names(twiml(call(server))) == ["Dial"]

    started = grant_cli(server, "--minutes", "15")
    assert started.returncode == 0, started.stderr
    assert "until" in started.stdout and "UTC" in started.stdout
    session = login(server)
    wait_for(lambda: session.get(server.url("/api/intercom"), timeout=5).json()["grant"].get("active"),
             message="the server to see the CLI's grant")
    assert names(twiml(call(server))) == ["Play", "Pause"]

    status = grant_cli(server, "--status")
    assert status.returncode == 0 and "15 minutes left" in status.stdout, status.stdout

    ended = grant_cli(server, "--end")
    assert ended.returncode == 0 and "ended" in ended.stdout
    wait_for(lambda: names(twiml(call(server))) == ["Dial"], message="the server to see the CLI end the grant")
    assert "no grant" in grant_cli(server).stdout

    too_long = grant_cli(server, "--minutes", "121")
    assert too_long.returncode != 0
    assert "1 to 120" in too_long.stderr
    both = grant_cli(server, "--minutes", "5", "--end")
    assert both.returncode != 0


# MARK: Live events


def test_open_dialers_see_grants_and_openings_live(shetphone_factory):
    from websockets.sync.client import connect

    server = shetphone_factory(ini=ini_with(""))
    session = login(server)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies if c.name == "shetphone_session")
    with connect(f"ws://127.0.0.1:{server.port}/ws", additional_headers={"Cookie": cookie},
                 open_timeout=5) as socket:
        def next_event(kind):
            deadline = time.time() + 5
            while time.time() < deadline:
                event = json.loads(socket.recv(timeout=max(0.1, deadline - time.time())))
                if event["type"] == kind:
                    return event["data"]
            raise AssertionError(f"no {kind} event")

        assert "dialers" in next_event("hello")["rooms"]
        grant = session.post(server.url("/api/intercom/grant"), json={"minutes": 10}, timeout=5).json()["grant"]
        assert next_event("intercom.grant") == {"action": "started", "until": grant["until"], "by": "alice"}
        assert names(twiml(call(server))) == ["Play", "Pause"]
        opened = next_event("intercom.opened")
        assert opened["how"] == "grant" and opened["from"] == INTERCOM
        session.delete(server.url("/api/intercom/grant"), timeout=5)
        assert next_event("intercom.grant")["action"] == "ended"
        assert names(twiml(call(server))) == ["Dial"]
        assert next_event("intercom.ringing")["from"] == INTERCOM


# MARK: The store: the old state file, the call history


FIXTURE_STATE = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "intercom", "intercom-state.json")


def test_the_releases_state_file_is_imported_once_then_renamed(shetphone_factory, tmp_path):
    # The file exactly as the release before the store wrote it: a grant until 2100, used code 2580.
    shutil.copy(FIXTURE_STATE, tmp_path / "intercom-state.json")
    server = shetphone_factory(ini=ini_with(f"door_codes = 2580:once 4711"))
    assert not (tmp_path / "intercom-state.json").exists()
    assert (tmp_path / "intercom-state.json.imported").exists()
    assert "imported" in server.log() and "intercom-state.json.imported" in server.log()
    status = login(server).get(server.url("/api/intercom"), timeout=5).json()
    assert status["grant"] == {"active": True, "until": 4102444800, "by": "alice", "startedAt": 1800000000}
    assert [o["at"] for o in status["openings"]][-2:] == [1800000300, 1800000100]
    assert read_state(server)["usedCodes"] == ["2580", "7777"]

    # Restarted: nothing is imported again, even when an old copy reappears beside the store.
    assert server.stop(signal.SIGTERM) == 0
    with contextlib.closing(database(server)) as db, db:
        db.execute("DELETE FROM intercom_grant")
    shutil.copy(FIXTURE_STATE, tmp_path / "intercom-state.json.imported")
    server = shetphone_factory(ini=server_ini(server))
    assert read_state(server)["grant"] is None


@pytest.mark.parametrize("text, rule", [
    ('{"version":1,"grant":{"until":5}}', '"grant" needs startedAt, until (unix seconds) and by'),
    ('{"version":7}', "version 7 is not 1"),
    ("not json", "invalid JSON"),
])
def test_a_bad_state_file_stops_the_start_with_its_name_and_stays(shetphone_factory, tmp_path, text, rule):
    server = shetphone_factory(ini=ini_with(""))
    assert server.stop(signal.SIGTERM) == 0
    path = tmp_path / "intercom-state.json"
    path.write_text(text)
    done = subprocess.run([binary(), "serve", "--config", str(tmp_path / "shetphone.ini")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert f"{path}: " in output and rule in output, output
    assert path.read_text() == text, "a bad file is left where it is"
    assert not (tmp_path / "intercom-state.json.imported").exists()


def test_intercom_calls_are_in_the_history_of_the_intercoms_number_with_how_the_door_opened(shetphone_factory):
    # The intercom calls alice's number (+442079460174, the `To` of `call`); bob is on another.
    server = shetphone_factory(ini=ini_with(f"expected_from = {INTERCOM}\ndial = {RESIDENT}\ndoor_codes = 2580:once"))
    alice = login(server)
    alice.post(server.url("/api/intercom/grant"), json={"minutes": 5}, timeout=5)
    assert names(twiml(call(server, query="", CallSid="CA" + "a" * 32))) == ["Play", "Pause"]
    alice.delete(server.url("/api/intercom/grant"), timeout=5)
    code_sid = "CA" + "b" * 32
    assert names(twiml(call(server, query="", CallSid=code_sid))) == ["Gather", "Redirect"]
    assert names(twiml(call(server, query="step=code", CallSid=code_sid, Digits="2580"))) == ["Play", "Pause"]
    assert names(twiml(call(server, query="", caller=STRANGER, CallSid="CA" + "c" * 32))) == ["Reject"]
    forwarded_sid = "CA" + "d" * 32
    assert names(twiml(call(server, query="", CallSid=forwarded_sid))) == ["Gather", "Redirect"]
    dial = twiml(call(server, query="step=code", CallSid=forwarded_sid))
    assert names(dial) == ["Dial"] and dial[0].attrib["action"] == "/intercom?step=dialed"
    ended = twiml(call(server, query="step=dialed", CallSid=forwarded_sid, DialCallStatus="completed",
                       DialCallSid="CA" + "e" * 32, DialCallDuration="12"))
    assert names(ended) == ["Hangup"]
    hung_up_sid = "CA" + "9" * 32  # asked for a code, then the visitor left: no call to show
    assert names(twiml(call(server, query="", CallSid=hung_up_sid))) == ["Gather", "Redirect"]
    unanswered_sid = "CA" + "f" * 32
    call(server, query="step=code", CallSid=unanswered_sid)
    call(server, query="step=dialed", CallSid=unanswered_sid, DialCallStatus="no-answer")

    calls = {c["callSid"]: c for c in alice.get(server.url("/api/calls"), timeout=5).json()["calls"]}
    assert all(c["direction"] == "intercom" and c["number"] == "+442079460174" for c in calls.values())
    assert calls["CA" + "a" * 32]["door"] == "grant" and calls["CA" + "a" * 32]["outcome"] == "completed"
    assert calls[code_sid]["door"] == "code" and calls[code_sid]["other"] == INTERCOM
    assert calls["CA" + "c" * 32]["door"] == "refused" and calls["CA" + "c" * 32]["outcome"] == "rejected"
    assert calls[forwarded_sid]["door"] == "answered" and calls[forwarded_sid]["outcome"] == "completed"
    assert calls[forwarded_sid]["duration"] == 12
    assert calls[unanswered_sid]["door"] is None and calls[unanswered_sid]["outcome"] == "missed"
    assert hung_up_sid not in calls
    # bob is not on the intercom's number: none of it is his to see.
    assert login(server, "bob").get(server.url("/api/calls"), timeout=5).json()["calls"] == []

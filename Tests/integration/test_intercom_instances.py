"""The intercom on several instances sharing one real PostgreSQL (the `postgres` fixture):
exactly one instance ends a grant on time (the holder of an advisory lock, re-elected when it
dies), every dialer on every instance hears each grant change once, `shetphone grant` works
while the servers run, and guessing the grant code across instances is still limited."""
import contextlib
import json
import os
import signal
import subprocess
import time

import pytest
import requests
from websockets.sync.client import connect as ws_connect

from conftest import DEFAULT_INI, binary
from instances_helpers import until
from test_intercom import GRANT_CODE, call, login, names, twiml

INTERCOM_SECTION = f"\n[intercom]\nexpected_from = +442079460999\ndial = +447700900123\ngrant_code = {GRANT_CODE}\n"


@pytest.fixture
def instances(postgres, shetphone_factory, tmp_path):
    """Two instances, A and B, each in its own folder, sharing `postgres`."""
    ini = DEFAULT_INI + INTERCOM_SECTION + f"\n[store]\nurl = {postgres.url}\n"
    servers = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        servers.append(shetphone_factory(ini=ini, workdir=folder))
    return servers




@contextlib.contextmanager
def dialer(server, session):
    """A WebSocket of the logged-in `session` on `server`, past its hello."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies if c.name == "shetphone_session")
    with ws_connect(server.base_url.replace("http://", "ws://") + "/ws", origin=server.base_url,
                    additional_headers={"Cookie": cookie}, open_timeout=5) as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "hello"
        yield socket


def grant_events(socket, ended_at, settle=2.0, guard=60):
    """The `intercom.grant` events `socket` receives until an "ended" one for `ended_at` and
    `settle` seconds more (a second "ended" would show up there); `guard` is a hang guard."""
    events = []
    deadline = time.time() + guard
    while time.time() < deadline:
        try:
            event = json.loads(socket.recv(timeout=max(0.05, deadline - time.time())))
        except TimeoutError:
            break
        if event["type"] == "intercom.grant":
            events.append(event["data"])
            if event["data"] == {"action": "ended", "until": ended_at, "by": "cli"}:
                deadline = min(deadline, time.time() + settle)
    return events


LEAD_LOCK = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = 1397248073"


def write_grant(postgres, seconds):
    """A grant of `seconds` from now, written as `shetphone grant` writes it (unannounced)."""
    now = int(time.time())
    postgres.psql(f"INSERT INTO intercom_grant (id, started_at, until, by, announced) VALUES (1, {now}, {now + seconds}, 'cli', 0) "
                  "ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, until = excluded.until, "
                  "by = excluded.by, announced = 0")
    return now + seconds


def grant_cli(server, *args):
    return subprocess.run([binary(), "grant", "--config", os.path.join(server.workdir, "shetphone.ini"), *args],
                          cwd=server.workdir, capture_output=True, text=True, timeout=60)


def test_a_grant_is_announced_and_ended_once_on_every_instance(instances, postgres):
    a, b = instances
    session = login(a)
    until(lambda: login(b).get(b.url("/api/me")).status_code == 200, "B serves a login")
    with dialer(a, session) as on_a, dialer(b, login(b)) as on_b:
        until(lambda: postgres.psql(LEAD_LOCK).strip() == "1", "an instance leads the intercom")
        end = write_grant(postgres, 8)
        heard_a = grant_events(on_a, end)
        heard_b = grant_events(on_b, end, settle=0.5)
    expected = [{"action": "started", "until": end, "by": "cli"}, {"action": "ended", "until": end, "by": "cli"}]
    assert heard_a == expected
    assert heard_b == expected
    assert postgres.psql("SELECT count(*) FROM intercom_grant").strip() == "0"
    assert names(twiml(call(a, query=""))) == ["Dial"] and names(twiml(call(b, query=""))) == ["Dial"]


def test_the_grant_cli_changes_every_running_instance(instances):
    a, b = instances
    started = grant_cli(a, "--minutes", "5")
    assert started.returncode == 0, started.stderr
    for server in (a, b):
        until(lambda: names(twiml(call(server, query=""))) == ["Play", "Pause"], f"{server.workdir} opens the door")
    status = grant_cli(b, "--status")
    assert status.returncode == 0 and "5 minutes left" in status.stdout and "by cli" in status.stdout, status.stdout
    ended = grant_cli(b, "--end")
    assert ended.returncode == 0 and "ended" in ended.stdout
    for server in (a, b):
        until(lambda: names(twiml(call(server, query=""))) == ["Dial"], f"{server.workdir} forwards again")


def test_when_the_leading_instance_dies_another_ends_the_grant(instances, postgres):
    a, b = instances
    # Whichever of the two led, after kill -9 of A, B holds the lock (A's session died with it).
    a.proc.send_signal(signal.SIGKILL)
    a.proc.wait(timeout=10)
    until(lambda: postgres.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'shetphone-lead'").strip() == "1",
          "A's lead session is gone")
    until(lambda: postgres.psql(LEAD_LOCK).strip() == "1", "B leads the intercom")
    with dialer(b, login(b)) as on_b:
        end = write_grant(postgres, 8)
        heard = grant_events(on_b, end)
    assert heard == [{"action": "started", "until": end, "by": "cli"}, {"action": "ended", "until": end, "by": "cli"}]
    assert postgres.psql("SELECT count(*) FROM intercom_grant").strip() == "0"


def test_guessing_the_grant_code_on_two_instances_is_limited_together(instances):
    a, b = instances
    for index, server in enumerate([a, b, a, b, a]):
        wrong = requests.get(server.url("/grant"), params={"code": f"guess-{index}-abcdefgh"}, timeout=5)
        assert wrong.status_code == 403, wrong.text
    for server in (a, b):
        assert requests.get(server.url("/grant"), params={"code": GRANT_CODE}, timeout=5).status_code == 429

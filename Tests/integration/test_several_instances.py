"""Several Shetphones on one real PostgreSQL (Debian's package, started by the `postgres`
fixture): logins, call history and live events are shared; one instance killed or the database
stopped loses nothing that was acknowledged.
"""
import json
import signal
import threading
import time

import pytest
import requests
from websockets.sync.client import connect as ws_connect

from conftest import ACCOUNT_SID, DEFAULT_INI
from instances_helpers import link, two_instances, until  # noqa: F401 (link is a fixture)
from test_twilio import login, post_webhook

NUMBER = "+15005550006"  # bob and carol's number


@pytest.fixture
def pair(postgres, shetphone_factory, tmp_path):
    """Two instances, A and B, each in its own folder, sharing `postgres`."""
    return two_instances(shetphone_factory, tmp_path, (postgres.url, postgres.url))


def cookie_of(session):
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies if c.path in ("/", ""))




def status(call_sid, call_status="ringing"):
    """A status callback of an incoming call to bob's number (SIDs are letters and digits only)."""
    return {"AccountSid": ACCOUNT_SID, "CallSid": call_sid, "CallStatus": call_status, "Direction": "inbound",
            "From": "+447700900123", "To": NUMBER}


def test_a_login_on_one_instance_is_valid_on_the_other_until_logout(pair):
    a, b = pair
    session = login(a, "alice")
    cookie = {"Cookie": cookie_of(session)}
    token = until(lambda: (r := requests.get(b.url("/token"), headers=cookie)).status_code == 200 and r,
                  "B accepts A's login")
    assert token.json()["identity"] == "alice"
    me = requests.get(b.url("/api/me"), headers=cookie).json()
    assert me["user"] == "alice"
    # Logging out on B ends the session on A too.
    logout = requests.post(b.url("/logout"), headers={"X-CSRF-Token": me["csrf"], **cookie}, allow_redirects=False)
    assert logout.status_code == 303, logout.text
    until(lambda: requests.get(a.url("/api/me"), headers=cookie).status_code == 401, "A forgets the login ended on B")


def events_until_marker(socket, marker):
    events = []
    while not any(e["type"] == "call.status" and e["data"]["callSid"] == marker for e in events):
        events.append(json.loads(socket.recv(timeout=15)))
    return events


def test_a_dialer_on_one_instance_hears_callbacks_sent_to_the_other_exactly_once(pair):
    a, b = pair
    session = login(a, "bob")
    cookie = {"Cookie": cookie_of(session)}
    until(lambda: requests.get(b.url("/api/me"), headers=cookie).status_code == 200, "B knows A's login")
    with ws_connect(a.base_url.replace("http://", "ws://") + "/ws", origin=a.base_url, additional_headers=cookie,
                    open_timeout=5) as on_a, \
            ws_connect(b.base_url.replace("http://", "ws://") + "/ws", origin=b.base_url, additional_headers=cookie,
                       open_timeout=5) as on_b:
        for socket in (on_a, on_b):
            hello = json.loads(socket.recv(timeout=5))
            assert hello["type"] == "hello" and f"number:{NUMBER}" in hello["data"]["rooms"]
        for call_status in ["ringing", "in-progress", "completed"]:
            answer = post_webhook(b, "/status", status("CAb1", call_status))
            assert answer.status_code == 204, answer.text
        # A marker through B too: B's events reach A in B's commit order, so once the marker is
        # here every earlier event is too.
        assert post_webhook(b, "/status", status("CAmarker")).status_code == 204
        heard_on_a = events_until_marker(on_a, "CAmarker")
        heard_on_b = events_until_marker(on_b, "CAmarker")
    statuses = [e["data"]["status"] for e in heard_on_a if e["type"] == "call.status" and e["data"]["callSid"] == "CAb1"]
    assert statuses == ["ringing", "in-progress", "completed"]
    # Exactly what B's own dialer got, in the same order: nothing lost, nothing twice.
    assert heard_on_a == heard_on_b


def test_kill_9_of_one_instance_in_a_callback_burst_loses_nothing_acknowledged(pair):
    a, b = pair
    acknowledged = []
    lock = threading.Lock()

    def burst(server, prefix, count):
        for index in range(count):
            sid = f"CA{prefix}{index:04d}"
            try:
                answer = post_webhook(server, "/status", status(sid))
            except requests.RequestException:
                continue  # the instance is gone: Twilio would retry elsewhere
            if answer.status_code == 204:
                with lock:
                    acknowledged.append(sid)

    threads = [threading.Thread(target=burst, args=(a, "a", 150)), threading.Thread(target=burst, args=(b, "b", 60))]
    for thread in threads:
        thread.start()
    until(lambda: sum(s.startswith("CAa") for s in list(acknowledged)) >= 20, "A acknowledged some callbacks")
    a.proc.send_signal(signal.SIGKILL)
    for thread in threads:
        thread.join()
    assert any(s.startswith("CAa") for s in acknowledged)
    session = login(b, "bob")
    stored = set()
    url = b.url("/api/calls?limit=200")
    while url:
        page = session.get(url).json()
        stored |= {call["callSid"] for call in page["calls"]}
        url = b.url(f"/api/calls?limit=200&before={page['next']}") if page["next"] else None
    missing = [sid for sid in acknowledged if sid not in stored]
    assert missing == [], f"acknowledged but not stored: {missing}"


def test_database_stopped_means_503_then_recovery_without_restart(pair, postgres):
    a, b = pair
    session = login(a, "bob")
    with ws_connect(a.base_url.replace("http://", "ws://") + "/ws", origin=a.base_url,
                    additional_headers={"Cookie": cookie_of(session)}, open_timeout=5) as socket:
        json.loads(socket.recv(timeout=5))
        postgres.stop()
        try:
            refused = post_webhook(a, "/status", status("CAdown"))
            assert refused.status_code == 503 and refused.headers.get("Retry-After"), refused.text
        finally:
            postgres.start()
        # Twilio retries: the same callback goes through once the database is back, with no restart.
        until(lambda: post_webhook(a, "/status", status("CAdown")).status_code == 204, "A writes again")
        assert a.proc.poll() is None and b.proc.poll() is None
        # The dialer kept its socket, and A listens again: callbacks sent to B reach it.
        index = 0
        while True:
            index += 1
            # B's own first write may find its connection dead and answer 503: Twilio retries.
            acknowledged(b, "/status", status(f"CAback{index}"), f"B takes CAback{index}")
            try:
                event = json.loads(socket.recv(timeout=0.5))
            except TimeoutError:
                assert index < 60, "A never heard B again after the database came back"
                continue
            if event["type"] == "call.status" and event["data"]["callSid"].startswith("CAback"):
                break


@pytest.fixture
def pair_with_link(postgres, link, shetphone_factory, tmp_path):
    """A reaches `postgres` through `link` (TCP), B over its Unix socket."""
    return two_instances(shetphone_factory, tmp_path, (link.url(), postgres.url))


def acknowledged(server, path, params, what):
    """Posts like Twilio, which retries until it gets an answer that is not 5xx."""
    until(lambda: post_webhook(server, path, params).status_code in (200, 204), what, seconds=30)


def test_a_dialer_whose_instance_lost_the_database_is_told_to_resync_and_finds_every_record(
        pair_with_link, postgres, link):
    from test_texts import inbound
    from test_voicemail import RECORDING, recording_callback

    a, b = pair_with_link
    session = login(a, "bob")
    cookie = {"Cookie": cookie_of(session)}
    until(lambda: requests.get(b.url("/api/me"), headers=cookie).status_code == 200, "B knows A's login")
    with ws_connect(a.base_url.replace("http://", "ws://") + "/ws", origin=a.base_url, additional_headers=cookie,
                    open_timeout=5) as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "hello"
        # A loses its road to the database first and gets it back last; PostgreSQL itself is
        # stopped for about 5 s in between (B answers 503 meanwhile).
        link.cut()
        postgres.stop()
        stopped = time.time()
        try:
            assert post_webhook(b, "/status", status("CAgone1")).status_code == 503
            time.sleep(max(0.0, 5 - (time.time() - stopped)))
        finally:
            postgres.start()
        # Twilio's retries reach B once the database is back: committed there, and NOTIFY'd while
        # A was not listening, so A hears none of them live.
        sids = ["CAgone1", "CAgone2", "CAgone3"]
        for sid in sids:
            acknowledged(b, "/status", status(sid), f"B takes {sid}")
        until(lambda: inbound(b, 77, body="while A was away").status_code == 200, "B takes a text", seconds=30)
        until(lambda: recording_callback(b).status_code in (200, 204), "B takes a voicemail", seconds=30)
        assert a.proc.poll() is None and b.proc.poll() is None
        link.mend()
        # A listens again and tells its dialers to read again, on the socket they kept.
        heard = []
        while not heard or heard[-1]["type"] != "resync":
            heard.append(json.loads(socket.recv(timeout=30)))
        assert not [e for e in heard if e["type"] in ("call.status", "call.updated", "sms.received", "voicemail.new")], \
            f"A cannot have heard these live: {heard}"
        # What the dialer reloads on `resync`, read from A: every record B committed meanwhile.
        calls = {call["callSid"] for call in session.get(a.url("/api/calls?limit=50")).json()["calls"]}
        assert set(sids) <= calls, calls
        threads = session.get(a.url("/api/threads")).json()["threads"]
        assert any("while A was away" in json.dumps(thread) for thread in threads), threads
        voicemails = session.get(a.url("/api/voicemail")).json()["voicemails"]
        assert RECORDING in json.dumps(voicemails), voicemails
        # And from now on B's events reach A live again.
        assert post_webhook(b, "/status", status("CAlive")).status_code == 204
        while True:
            event = json.loads(socket.recv(timeout=15))
            if event["type"] == "call.status" and event["data"]["callSid"] == "CAlive":
                break


# --- Behind a real NGINX upstream of two instances ----------------------------------------------


def test_two_instances_behind_the_examples_nginx_upstream_share_logins_and_events(postgres, shetphone_factory, tmp_path):
    from instances_helpers import BASE, behind_nginx
    from nginx_helpers import Browser, insecure_tls

    with behind_nginx([postgres.url, postgres.url], shetphone_factory, tmp_path) as upstream:
        servers, base = upstream.servers, BASE
        browser = Browser("https", upstream.https_port)
        reply = browser.login(base, "bob", servers[0].users["bob"])
        assert reply.status == 303, reply.text[:300]
        # Round robin: requests land on both instances, and the login holds on each.
        for _ in range(6):
            me = browser.get(base + "/api/me")
            assert me.status == 200, me.text
        # The access log is written by its own thread (within a quarter second): wait for it.
        until(lambda: all("/api/me" in server.log() for server in servers), "NGINX used both instances")
        from websockets.sync.client import connect
        with connect(f"wss://localhost:{upstream.https_port}{base}/ws", ssl=insecure_tls(), origin=upstream.origin,
                     additional_headers={"Cookie": browser.cookie_header()}, open_timeout=10) as socket:
            assert json.loads(socket.recv(timeout=10))["type"] == "hello"
            sids = [f"CAnginx{index}" for index in range(6)]
            for sid in sids:
                params = status(sid)
                signature = servers[0].sign(upstream.public + "/status", params)
                answer = browser.post(base + "/status", params, headers={"X-Twilio-Signature": signature})
                assert answer.status == 204, answer.text
            heard = set()
            while heard != set(sids):
                event = json.loads(socket.recv(timeout=15))
                if event["type"] == "call.status":
                    heard.add(event["data"]["callSid"])
        until(lambda: all("/status" in server.log() for server in servers), "callbacks reached both instances")

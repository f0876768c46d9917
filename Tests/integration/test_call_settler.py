"""Calls whose last status callback never came are ended by asking Twilio, against the real
binary: Twilio does not retry a failed callback, so a call stays "in progress" in the history and
every dialer until the server asks Twilio's REST API (here a fake speaking its documented
`GET /Calls/{Sid}.json` over HTTPS). The bounds are set small through `[store] settle_*`; the test
waits for outcomes (events, requests), never for a time."""
import json
import time

from websockets.sync.client import connect as ws_connect

from conftest import ACCOUNT_SID, AUTH_TOKEN, DEFAULT_INI
from fake_twilio_api import API, FakeTwilioAPI, make_certificate
from instances_helpers import until
from test_twilio import login, post_webhook, twiml

OURS = "+15005550006"        # bob's (and carol's) number
CALLER = "+447700900123"
LIVE = "CA" + "a1" * 16       # answered by bob; its completed callback is never sent
GONE = "CA" + "b2" * 16       # rings; Twilio has no record of it (404)
BOB_LEG = "CA" + "c3" * 16


def next_update(socket, sid, seconds=30):
    """The next `call.updated` of `sid` on `socket`, skipping every other event."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        event = json.loads(socket.recv(timeout=max(0.1, deadline - time.time())))
        if event["type"] == "call.updated" and event["data"]["callSid"] == sid:
            return event["data"]
    raise AssertionError(f"no call.updated for {sid}")


def gets_of(fake, sid):
    return [r for r in fake.requests if r[0] == "GET" and r[1] == f"{API}{ACCOUNT_SID}/Calls/{sid}.json"]


def incoming(server, sid):
    params = {"AccountSid": ACCOUNT_SID, "CallSid": sid, "From": CALLER, "To": OURS, "Direction": "inbound"}
    return twiml(post_webhook(server, "/voice", params)).find("Dial")


def test_a_call_whose_last_callback_never_came_is_ended_from_twilios_answer(shetphone_factory, tmp_path):
    cert, key = make_certificate(str(tmp_path))
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
        fake.add_call(LIVE, "in-progress", CALLER, OURS, start_time="Tue, 14 Nov 2023 22:12:38 +0000")
        ini = DEFAULT_INI.replace("[twilio]\n", f"[twilio]\napi_base_url = {fake.base_url}\n") + f"""
[store]
settle_ringing_seconds = 1
settle_answered_seconds = 1

[outbound]
ca_file = {cert}
timeout = 3
"""
        server = shetphone_factory(ini=ini)
        bob = login(server, "bob")
        cookie = "; ".join(f"{c.name}={c.value}" for c in bob.cookies if c.path in ("/", ""))
        ws_url = server.base_url.replace("http://", "ws://") + "/ws"
        with ws_connect(ws_url, origin=server.base_url, additional_headers={"Cookie": cookie}, open_timeout=5) as socket:
            hello = json.loads(socket.recv(timeout=5))
            assert f"number:{OURS}" in hello["data"]["rooms"]

            # LIVE rings bob's browser, bob answers; then nothing more reaches the server.
            dial = incoming(server, LIVE)
            status_url = dial.find("Client").get("statusCallback")
            leg = {"AccountSid": ACCOUNT_SID, "CallSid": BOB_LEG, "ParentCallSid": LIVE, "CallStatus": "in-progress",
                   "Direction": "outbound-dial", "From": CALLER, "To": "client:bob"}
            assert post_webhook(server, status_url[len(server.base_url):], leg, signed_url=status_url).status_code == 204
            assert next_update(socket, LIVE)["state"] == "ringing"
            assert next_update(socket, LIVE)["state"] == "in-progress"
            # GONE rings, and its callbacks are lost too.
            incoming(server, GONE)
            assert next_update(socket, GONE)["state"] == "ringing"

            # Twilio does not know GONE: it is closed with what is known (nobody answered: missed).
            gone = next_update(socket, GONE)
            assert gone["state"] == "ended" and gone["outcome"] == "missed", gone

            # Twilio says LIVE goes on: it is left open, and asked about again later.
            until(lambda: len(gets_of(fake, LIVE)) >= 2, "a second question about the live call", seconds=30)
            calls = {c["callSid"]: c for c in bob.get(server.url("/api/calls"), timeout=5).json()["calls"]}
            assert calls[LIVE]["state"] == "in-progress", calls[LIVE]

            # The call ends at Twilio; the next question ends it here, as the callback would have.
            fake.add_call(LIVE, "completed", CALLER, OURS, duration=42, start_time="Tue, 14 Nov 2023 22:12:38 +0000",
                          end_time="Tue, 14 Nov 2023 22:13:20 +0000")
            ended = next_update(socket, LIVE)
        assert ended["state"] == "ended" and ended["outcome"] == "completed", ended
        assert ended["answeredBy"] == "bob" and ended["endedAt"] == 1_700_000_000_000, ended

        calls = {c["callSid"]: c for c in bob.get(server.url("/api/calls"), timeout=5).json()["calls"]}
        assert calls[LIVE]["state"] == "ended" and calls[GONE]["state"] == "ended"
        assert all(r[2] for r in gets_of(fake, LIVE) + gets_of(fake, GONE)), "every question carried the credentials"
        assert len(gets_of(fake, GONE)) == 1, "a settled call is not asked about again by the looks after it"


def test_with_two_instances_on_postgresql_only_the_leader_asks(postgres, shetphone_factory, tmp_path):
    """Both instances sweep; the one holding the lead (PostgreSQL's advisory lock) asks Twilio and
    ends the call, and a dialer on the other instance hears it through the bus. Twilio's API
    failing the first question (503, three tries) only delays the answer: the call is asked about again."""
    cert, key = make_certificate(str(tmp_path))
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
        fake.fail_next = [503] * 3  # the first question fails, with the outbound client's own 2 retries
        ini = DEFAULT_INI.replace("[twilio]\n", f"[twilio]\napi_base_url = {fake.base_url}\n") + f"""
[store]
url = {postgres.url}
settle_ringing_seconds = 1
settle_answered_seconds = 1

[outbound]
ca_file = {cert}
timeout = 3
"""
        servers = []
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            servers.append(shetphone_factory(ini=ini, workdir=folder))
        leader = until(lambda: [s for s in servers if "now leads the intercom" in s.log()], "an instance to lead", seconds=30)
        assert len(leader) == 1, "one lead"
        other = next(s for s in servers if s is not leader[0])

        bob = login(other, "bob")
        cookie = "; ".join(f"{c.name}={c.value}" for c in bob.cookies if c.path in ("/", ""))
        ws_url = other.base_url.replace("http://", "ws://") + "/ws"
        with ws_connect(ws_url, origin=other.base_url, additional_headers={"Cookie": cookie}, open_timeout=5) as socket:
            assert json.loads(socket.recv(timeout=5))["type"] == "hello"
            incoming(other, GONE)  # the call reaches the instance that does not lead
            assert next_update(socket, GONE)["state"] == "ringing"
            gone = next_update(socket, GONE)
        assert gone["state"] == "ended" and gone["outcome"] == "missed", gone
        log = leader[0].log()
        assert f"call settler: call {GONE}: " in log and "Twilio answered 503" in log, log
        assert f"call settler: call {GONE} was still ringing here; Twilio says it does not know the call" in log, log
        assert "call settler" not in other.log(), other.log()
        assert len(gets_of(fake, GONE)) == 4, "3 tries of the first question, then asked again and settled"

"""User names the Voice JavaScript SDK 2.x would refuse as identities (`j.smith`, `anna-lena`, a
130-character name) get a valid client identity, the same one in the token (decoded with PyJWT
through the `twilio` library), in `<Client>`, and when Twilio sends it back as `client:<identity>`
in `/voice` and `/status` (signed with the `twilio` library's RequestValidator)."""
import json
import re
import subprocess
import xml.etree.ElementTree as ET

from twilio.jwt import Jwt
from websockets.sync.client import connect as ws_connect

from conftest import ACCOUNT_SID, API_KEY_SECRET, DEFAULT_INI, binary
from test_twilio import login, post_webhook, twiml

# The Device documentation: "letters, digits and underscore", at most 121 characters.
SDK_IDENTITY = re.compile(r"^[A-Za-z0-9_]{1,121}$")
LONG = "x" * 60 + "." + "y" * 69  # 130 characters, one of them not allowed
USERS = {"j.smith": "pw-j", "anna-lena": "pw-a", LONG: "pw-long", "alice": "pw-alice"}

# The default test config with other users in [numbers] (and no [clients]: they call out from it).
INI = DEFAULT_INI.split("[numbers]")[0] + f"[numbers]\n+442079460174 = j.smith anna-lena alice {LONG}\n"


def identity_in_token(server, user):
    token = login(server, user).get(server.url("/token")).json()["token"]
    decoded = Jwt.from_jwt(token, key=API_KEY_SECRET)  # verifies the signature and the times
    return decoded.payload["grants"]["identity"]


def start(shetphone_factory):
    return shetphone_factory(ini=INI, users=USERS)


def test_tokens_carry_identities_the_sdk_accepts_and_distinct_per_user(shetphone_factory):
    server = start(shetphone_factory)
    identities = {user: identity_in_token(server, user) for user in ("j.smith", "anna-lena", LONG, "alice")}
    for user, identity in identities.items():
        assert SDK_IDENTITY.match(identity), (user, identity)
    assert identities["alice"] == "alice"
    assert len(set(identities.values())) == 4, identities
    assert len(identities[LONG]) <= 121
    # The reload log and the startup log say what was mapped.
    log = server.log()
    assert f"j.smith -> {identities['j.smith']}" in log, log


def test_client_and_status_callbacks_round_trip_the_identities(shetphone_factory):
    server = start(shetphone_factory)
    identities = {user: identity_in_token(server, user) for user in ("j.smith", "anna-lena", LONG)}

    # Incoming: every browser is rung at the identity its token registered.
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA1", "From": "+447700900123", "To": "+442079460174"}
    root = twiml(post_webhook(server, "/voice", params))
    clients = [client.text for client in root.find("Dial").findall("Client")]
    assert clients == [identities["j.smith"], identities["anna-lena"], "alice", identities[LONG]]

    # Outgoing: Twilio sends From=client:<identity>; the call goes out as that user (with their caller ID).
    for user in ("j.smith", LONG):
        params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA2", "From": "client:" + identities[user],
                  "To": "+447700900456"}
        dial = twiml(post_webhook(server, "/voice", params)).find("Dial")
        assert dial is not None, user
        assert dial.get("callerId") == "+442079460174"
        assert dial.find("Number").text == "+447700900456"
    refused = twiml(post_webhook(server, "/voice", {"AccountSid": ACCOUNT_SID, "CallSid": "CA3",
                                                     "From": "client:j.smith", "To": "+447700900456"}))
    assert [child.tag for child in refused] == ["Say", "Hangup"], "the raw name is not an identity"

    # A status callback naming only client:<identity> reaches that user's browser (the user: room).
    session = login(server, LONG)
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    ws_url = server.base_url.replace("http://", "ws://") + "/ws"
    with ws_connect(ws_url, origin=server.base_url, additional_headers={"Cookie": cookie}, open_timeout=5) as socket:
        hello = json.loads(socket.recv(timeout=5))
        assert "user:" + LONG in hello["data"]["rooms"]
        status = {"AccountSid": ACCOUNT_SID, "CallSid": "CA9", "CallStatus": "ringing",
                  "From": "+12125550147", "To": "client:" + identities[LONG]}
        assert post_webhook(server, "/status", status).status_code == 204
        event = json.loads(socket.recv(timeout=5))
        assert event["type"] == "call.status" and event["data"]["callSid"] == "CA9"
        # The browser sees the user's name, never the encoded identity Twilio used.
        assert event["data"]["to"] is None and event["data"]["toUser"] == LONG
        assert event["data"]["from"] == "+12125550147" and event["data"]["fromUser"] is None
        assert identities[LONG] not in json.dumps(event) and "client:" not in json.dumps(event)


def test_check_config_says_what_it_mapped(shetphone_factory, tmp_path):
    server = start(shetphone_factory)
    out = subprocess.run([binary(), "check-config", str(tmp_path / "shetphone.ini")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stdout + out.stderr
    identity = identity_in_token(server, "anna-lena")
    assert f"anna-lena -> {identity}" in out.stdout, out.stdout
    assert f"j.smith -> {identity_in_token(server, 'j.smith')}" in out.stdout
    assert "alice ->" not in out.stdout

"""Twilio's side of the server, checked by code nobody here wrote: the `twilio` Python library
(tokens decoded with PyJWT, webhooks signed by `RequestValidator`) against the built binary.
"""
import json
import re
import subprocess
import time
import xml.etree.ElementTree as ET

import jwt
import pytest
import requests
from twilio.jwt import Jwt
from twilio.jwt.client import ClientCapabilityToken
from twilio.request_validator import RequestValidator
from websockets.sync.client import connect as ws_connect

from conftest import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, APP_SID, AUTH_TOKEN, DEFAULT_INI, binary


def login(server, user):
    """A requests.Session logged in as `user` through the real login form."""
    session = requests.Session()
    page = session.get(server.url("/login"))
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = session.post(server.url("/login"), data={"username": user, "password": server.users[user],
                                                    "csrf": csrf, "next": "/"}, allow_redirects=False)
    assert done.status_code == 303 and "error" not in done.headers.get("Location", ""), done.headers
    return session


def post_webhook(server, path, params, signed_url=None, signature=None):
    """POSTs a form to `path` the way Twilio does, signed with the account's auth token."""
    url = server.url(path)
    if signature is None:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(signed_url or url, params)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return requests.post(url, data=params, headers=headers)


def twiml(response):
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == "Response"
    return root


def test_token_is_an_access_token_the_twilio_library_accepts(shetphone_server):
    session = login(shetphone_server, "alice")
    before = int(time.time())
    body = session.get(shetphone_server.url("/token")).json()
    assert body["identity"] == "alice"
    decoded = Jwt.from_jwt(body["token"], key=API_KEY_SECRET)  # verifies signature, exp and nbf
    assert decoded.headers == {"alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"}
    claims = decoded.payload
    assert claims["iss"] == API_KEY_SID and claims["sub"] == ACCOUNT_SID
    assert claims["jti"].startswith(API_KEY_SID + "-")
    assert claims["grants"] == {"identity": "alice",
                                "voice": {"incoming": {"allow": True}, "outgoing": {"application_sid": APP_SID}}}
    assert claims["exp"] == body["expires"]
    assert before - 5 <= claims["exp"] - 3600 <= int(time.time()) + 5
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(body["token"], "wrong-secret", algorithms=["HS256"])


def test_token_needs_a_session(shetphone_server):
    answer = requests.get(shetphone_server.url("/token"))
    assert answer.status_code == 401
    assert answer.json() == {"error": "login required"}


def test_token_lifetime_comes_from_the_config(shetphone_factory):
    server = shetphone_factory(ini=DEFAULT_INI.replace("[twilio]\n", "[twilio]\ntoken_ttl = 600\n"))
    claims = jwt.decode(login(server, "bob").get(server.url("/token")).json()["token"], API_KEY_SECRET,
                        algorithms=["HS256"])
    assert claims["exp"] - claims["nbf"] == 600


def test_without_an_api_key_the_token_is_a_capability_token(shetphone_factory):
    ini = "\n".join(line for line in DEFAULT_INI.splitlines() if not line.startswith("api_key_")) + "\n"
    server = shetphone_factory(ini=ini)
    token = login(server, "alice").get(server.url("/token")).json()["token"]
    claims = jwt.decode(token, AUTH_TOKEN, algorithms=["HS256"])
    reference = ClientCapabilityToken(ACCOUNT_SID, AUTH_TOKEN)
    reference.allow_client_incoming("alice")
    reference.allow_client_outgoing(APP_SID)
    assert claims["iss"] == ACCOUNT_SID
    assert set(claims["scope"].split(" ")) == set(reference.payload["scope"].split(" "))


def test_outgoing_call_signed_by_twilio_dials_with_the_matching_caller_id(shetphone_server):
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA" + "1" * 32, "From": "client:alice",
              "To": "+1 212 555 0100", "Direction": "inbound"}
    root = twiml(post_webhook(shetphone_server, "/voice", params))
    dial = root.find("Dial")
    assert dial is not None, ET.tostring(root)
    assert dial.get("callerId") == "+15005550006"  # alice's US number for a US destination
    assert dial.get("answerOnBridge") == "true"
    assert dial.get("timeout") == "60", "[app] outgoing_dial_timeout defaults to 60 seconds"
    number = dial.find("Number")
    assert number.text == "+12125550100"
    assert number.get("statusCallback") == shetphone_server.url("/status?number=%2B15005550006&user=alice")
    assert number.get("statusCallbackEvent") == "initiated ringing answered completed"

    params["To"] = "+44 7700 900123"
    assert twiml(post_webhook(shetphone_server, "/voice", params)).find("Dial").get("callerId") == "+442079460174"


def test_outgoing_dial_timeout_comes_from_the_config_and_check_config_refuses_a_bad_one(shetphone_factory, tmp_path):
    ini = DEFAULT_INI.replace("allowed_countries = GB US", "allowed_countries = GB US\noutgoing_dial_timeout = 45")
    server = shetphone_factory(ini=ini)
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA" + "5" * 32, "From": "client:alice", "To": "+1 212 555 0100"}
    assert twiml(post_webhook(server, "/voice", params)).find("Dial").get("timeout") == "45"
    server.stop()
    config = tmp_path / "shetphone.ini"
    for bad in ("4", "601", "forever"):
        config.write_text(config.read_text().replace(
            [line for line in config.read_text().splitlines() if line.startswith("outgoing_dial_timeout")][0],
            f"outgoing_dial_timeout = {bad}"))
        out = subprocess.run([binary(), "check-config", str(config)], cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert out.returncode == 1, out.stdout + out.stderr
        assert f'[app] outgoing_dial_timeout: "{bad}" is not a whole number from 5 to 600' in out.stdout + out.stderr


@pytest.mark.parametrize("destination", ["+33 1 23 45 67 89", "+1 876 555 0100", "+882 16 123456", "premium"])
def test_outgoing_call_outside_allowed_countries_is_never_dialled(shetphone_server, destination):
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA2", "From": "client:alice", "To": destination}
    root = twiml(post_webhook(shetphone_server, "/voice", params))
    assert root.find("Dial") is None
    assert [child.tag for child in root] == ["Say", "Hangup"]


def test_webhook_without_a_valid_signature_is_refused(shetphone_server):
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA3", "From": "client:alice", "To": "+12125550100"}
    assert post_webhook(shetphone_server, "/voice", params, signature="").status_code == 403
    good = RequestValidator(AUTH_TOKEN).compute_signature(shetphone_server.url("/voice"), params)
    tampered = dict(params, To="+12125550199")
    assert post_webhook(shetphone_server, "/voice", tampered, signature=good).status_code == 403
    wrong_key = RequestValidator("not-the-token").compute_signature(shetphone_server.url("/voice"), params)
    assert post_webhook(shetphone_server, "/voice", params, signature=wrong_key).status_code == 403
    assert post_webhook(shetphone_server, "/status", {"CallSid": "CA3", "CallStatus": "ringing"},
                        signature="").status_code == 403


def test_signature_over_the_url_without_its_port_is_accepted(shetphone_server):
    # Twilio's validators accept a signature made with the port left off (or added); so do we.
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA4", "From": "client:alice", "To": "+12125550100"}
    portless = "http://127.0.0.1/voice"
    assert RequestValidator(AUTH_TOKEN).validate(shetphone_server.url("/voice"), params,
                                                 RequestValidator(AUTH_TOKEN).compute_signature(portless, params))
    assert twiml(post_webhook(shetphone_server, "/voice", params, signed_url=portless)).find("Dial") is not None


def test_incoming_call_rings_every_user_and_their_browsers_hear_of_it(shetphone_server):
    session = login(shetphone_server, "bob")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies if c.path in ("/", ""))
    ws_url = shetphone_server.base_url.replace("http://", "ws://") + "/ws"
    with ws_connect(ws_url, origin=shetphone_server.base_url, additional_headers={"Cookie": cookie},
                    open_timeout=5) as socket:
        hello = json.loads(socket.recv(timeout=5))
        assert hello["type"] == "hello" and "number:+15005550006" in hello["data"]["rooms"]

        params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA5", "From": "+447700900123", "To": "+15005550006",
                  "Direction": "inbound", "CallerName": "Jane <Doe> & co"}
        root = twiml(post_webhook(shetphone_server, "/voice", params))
        dial = root.find("Dial")
        assert [client.text for client in dial.findall("Client")] == ["bob", "carol"]
        assert dial.get("action") == shetphone_server.url("/voice")
        event = json.loads(socket.recv(timeout=5))
        assert event == {"type": "call.incoming", "data": {"callSid": "CA5", "from": "+447700900123",
                                                            "to": "+15005550006", "callerName": "Jane <Doe> & co"}}

        status_url = dial.find("Client").get("statusCallback")
        status = {"AccountSid": ACCOUNT_SID, "CallSid": "CA6", "ParentCallSid": "CA5", "CallStatus": "ringing",
                  "Direction": "outbound-dial", "From": "+447700900123", "To": "client:bob"}
        path = status_url[len(shetphone_server.base_url):]
        answer = post_webhook(shetphone_server, path, status, signed_url=status_url)
        assert answer.status_code == 204, answer.text
        event = json.loads(socket.recv(timeout=5))
        # The history's call.updated for the /voice request came first (tests in test_store.py).
        assert event["type"] == "call.updated" and event["data"]["callSid"] == "CA5"
        event = json.loads(socket.recv(timeout=5))
        assert event["type"] == "call.status"
        data = event["data"]
        assert (data["callSid"], data["parentCallSid"], data["status"], data["number"], data["to"], data["toUser"]) == \
            ("CA6", "CA5", "ringing", "+15005550006", None, "bob")
        assert abs(data["timestamp"] - time.time()) < 60

    nobody = {"AccountSid": ACCOUNT_SID, "CallSid": "CA5", "From": "+447700900123", "To": "+15005550006",
              "DialCallStatus": "no-answer"}
    root = twiml(post_webhook(shetphone_server, "/voice", nobody))
    # Voicemail is on by default: the greeting, then a recording.
    assert [child.tag for child in root] == ["Say", "Record", "Hangup"]


def test_presets_merge_the_ini_and_the_csv_and_skip_bad_rows(shetphone_factory, tmp_path):
    (tmp_path / "presets.csv").write_bytes(
        "\ufeffalias,country code,number\r\nHome,44,07700 900123\r\n\"Mum, work\",+1,(415) 555-0100\r\n"
        "Broken,44,12\r\n".encode())
    server = shetphone_factory()
    presets = login(server, "alice").get(server.url("/presets")).json()
    assert presets == {"presets": [
        {"name": "Office", "number": "+442079460000", "country": "GB"},
        {"name": "Home", "number": "+447700900123", "country": "GB"},
        {"name": "Mum, work", "number": "+14155550100", "country": "US"},
    ]}
    assert re.search(r"presets\.csv:4: .*Broken|presets\.csv:4: \"12\"", server.log()), server.log()

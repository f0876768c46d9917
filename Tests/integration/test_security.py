"""Security findings of issue 13 (and the webhook parts of issue 21), each against the built binary:
what a stranger's webhook may cost, how signatures are checked (auth token, GET, Webhook Rules shared
keys), the lock-out, toll fraud, symlinks, secrets inside `public_dir`, and defence in depth.

Server CPU is read from /proc/<pid>/stat (utime + stime, all threads), never from a wall clock."""
import http.client
import os
import re
import socket
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
import requests
from twilio.request_validator import RequestValidator

from conftest import AUTH_TOKEN, DEFAULT_INI, ROOT

INTERCOM_INI = DEFAULT_INI + "\n[intercom]\nopen_digits = 9\n"
FORM = "application/x-www-form-urlencoded"
# ~210,000 short fields in a body just under the server's 1 MiB request limit.
AMPLIFIER = b"&".join(b"f=12" for _ in range(209_000))
ATTACK_ROUNDS = 10
CPU_BUDGET_PER_REQUEST = 0.020


def cpu_seconds(pid):
    """utime + stime of every thread of `pid`, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # fields 14 and 15 of stat(5), counted after "(comm)"
    return ticks / os.sysconf("SC_CLK_TCK")


def raw_post(port, path, body, headers):
    """One POST on its own connection; returns (status, body). Nothing here decodes the body twice."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": FORM, **headers})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def signed_headers(server, url, params, algorithm=None, key=None, settings=None):
    signature = RequestValidator(key or AUTH_TOKEN).compute_signature(url, params, algorithm)
    headers = {"X-Twilio-Signature": signature}
    if settings:
        headers["X-Twilio-Webhooks-Signature-Settings"] = settings
    return headers


def metric(server, name, **labels):
    text = requests.get(server.url("/metrics"), timeout=5).text
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    match = re.search(re.escape(name) + r"\{" + re.escape(wanted) + r"\} (\S+)", text)
    return float(match.group(1)) if match else 0.0


# --- Webhook CPU amplification --------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/voice", "/status", "/intercom"])
def test_a_megabyte_of_fields_costs_the_server_almost_nothing(shetphone_factory, path):
    server = shetphone_factory(ini=INTERCOM_INI)
    pid = server.proc.pid
    answers = []
    bystander = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            bystander.append(requests.get(server.url("/healthz"), timeout=10).status_code)

    watcher = threading.Thread(target=watch)
    before = cpu_seconds(pid)
    watcher.start()
    try:
        for round_ in range(ATTACK_ROUNDS):
            # Half the senders leave the signature out, half make one up.
            headers = {"X-Twilio-Signature": "bm9wZQ=="} if round_ % 2 else {}
            answers.append(raw_post(server.port, path, AMPLIFIER, headers)[0])
    finally:
        stop.set()
        watcher.join()
    spent = cpu_seconds(pid) - before
    # The route's 64 KiB limit answers from the head, signature or not.
    assert answers == [413] * ATTACK_ROUNDS
    assert bystander and set(bystander) == {200}, bystander
    # The bystander's own requests are in `spent` too; the budget still holds with them.
    print(f"server CPU per request on {path}: {1000 * spent / ATTACK_ROUNDS:.1f} ms")
    assert spent / ATTACK_ROUNDS < CPU_BUDGET_PER_REQUEST, f"{spent:.3f} s of server CPU for {ATTACK_ROUNDS} requests"


def test_a_signed_webhook_over_the_limits_is_413(shetphone_server):
    url = shetphone_server.url("/voice")
    too_many = [(f"f{i}", "1") for i in range(300)]
    body = urllib.parse.urlencode(too_many)
    status, text = raw_post(shetphone_server.port, "/voice", body, signed_headers(shetphone_server, url, dict(too_many)))
    assert status == 413 and b"256" in text
    too_big = {"CallSid": "CA1", "Body": "x" * (64 * 1024)}
    status, text = raw_post(shetphone_server.port, "/voice", urllib.parse.urlencode(too_big),
                            signed_headers(shetphone_server, url, too_big))
    assert status == 413 and b"65536" in text


def test_a_signed_webhook_within_the_limits_is_served(shetphone_server):
    url = shetphone_server.url("/voice")
    form = {"CallSid": "CA1", "From": "client:alice", "To": "+442079460000", "Pad": "x" * 60_000}
    status, text = raw_post(shetphone_server.port, "/voice", urllib.parse.urlencode(form),
                            signed_headers(shetphone_server, url, form))
    assert status == 200, text
    assert ET.fromstring(text).find("Dial/Number").text == "+442079460000"


# Under the byte limit, over the field limit: the gate's own scan, no decoding.
MANY_FIELDS = b"&".join(b"f=1" for _ in range(15_000))


def test_many_fields_are_refused_before_decoding(shetphone_server):
    assert len(MANY_FIELDS) < 64 * 1024
    status, text = raw_post(shetphone_server.port, "/voice", MANY_FIELDS, {})
    assert status == 403 and b"missing X-Twilio-Signature" in text
    status, text = raw_post(shetphone_server.port, "/voice", MANY_FIELDS, {"X-Twilio-Signature": "bm9wZQ=="})
    assert status == 413 and b"more than 256 form fields" in text


def test_intercom_refusals_are_counted_in_metrics(shetphone_factory):
    server = shetphone_factory(ini=INTERCOM_INI)
    assert raw_post(server.port, "/intercom", "From=%2B1", {})[0] == 403
    assert raw_post(server.port, "/intercom", MANY_FIELDS, {"X-Twilio-Signature": "bm9wZQ=="})[0] == 413
    assert metric(server, "shetphone_webhooks_rejected_total", route="/intercom", status="403") == 1
    assert metric(server, "shetphone_webhooks_rejected_total", route="/intercom", status="413") == 1


# --- Signatures as Twilio sends them -----------------------------------------------------------

def test_get_webhooks_are_signed_over_the_full_url(shetphone_server):
    query = urllib.parse.urlencode({"CallSid": "CA9", "From": "client:alice", "To": "+442079460000"})
    url = shetphone_server.url("/voice?" + query)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, {})
    answer = requests.get(url, headers={"X-Twilio-Signature": signature}, timeout=5)
    assert answer.status_code == 200, answer.text
    assert ET.fromstring(answer.content).find("Dial/Number").text == "+442079460000"
    # The query is what was signed: change a digit and it is refused.
    forged = requests.get(url.replace("460000", "460001"), headers={"X-Twilio-Signature": signature}, timeout=5)
    assert forged.status_code == 403
    assert requests.get(url, timeout=5).status_code == 403


@pytest.mark.parametrize("path", ["/voice/", "/voice"])
def test_signed_webhooks_reach_voice_with_or_without_a_trailing_slash(shetphone_server, path):
    url = shetphone_server.url(path)
    form = {"CallSid": "CA1", "From": "client:alice", "To": "+442079460000"}
    answer = requests.post(url, data=form, headers=signed_headers(shetphone_server, url, form), timeout=5)
    assert answer.status_code == 200, answer.text
    assert ET.fromstring(answer.content).find("Dial/Number").text == "+442079460000"
    # Signed for /voice but sent to /voice/: the URL is part of what Twilio signs.
    other = shetphone_server.url("/voice" if path.endswith("/") else "/voice/")
    assert requests.post(url, data=form, headers=signed_headers(shetphone_server, other, form), timeout=5).status_code == 403


def test_shared_key_get_with_trailing_slash(shetphone_factory):
    server = shared_key_server(shetphone_factory, SHARED_KEY)
    url = server.url("/status/?" + urllib.parse.urlencode({"CallSid": "CA9", "CallStatus": "ringing", "To": "+442079460174"}))
    headers = signed_headers(server, url, {}, algorithm="HMAC_SHA256", key=SHARED_KEY, settings=SETTINGS_256)
    assert requests.get(url, headers=headers, timeout=5).status_code == 204
    assert requests.get(url, headers=signed_headers(server, url, {}), timeout=5).status_code == 204
    assert requests.get(url, headers={**headers, "X-Twilio-Signature": "bm9wZQ=="}, timeout=5).status_code == 403


def test_status_callback_by_get(shetphone_server):
    query = urllib.parse.urlencode({"CallSid": "CA9", "CallStatus": "ringing", "To": "+442079460174"})
    url = shetphone_server.url("/status?" + query)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, {})
    assert requests.get(url, headers={"X-Twilio-Signature": signature}, timeout=5).status_code == 204


SHARED_KEY = "whsk-secret-0123456789abcdefghij"
ROTATED_KEY = "whsk-next-secret-zyxwvutsrq"
SETTINGS_256 = "key=webhooks_sharedkey_01abcdefghijklmnopqrstuvwx,algorithm=HMAC_SHA256"


def shared_key_server(factory, keys):
    return factory(ini=DEFAULT_INI.replace("[twilio]\n", f"[twilio]\nwebhook_shared_key = {keys}\n"))


@pytest.mark.parametrize("key", [SHARED_KEY, ROTATED_KEY])
def test_webhook_rules_shared_key_signatures_are_verified(shetphone_factory, key):
    server = shared_key_server(shetphone_factory, f"{SHARED_KEY} {ROTATED_KEY}")
    url = server.url("/voice")
    form = {"CallSid": "CA1", "From": "client:alice", "To": "+442079460000"}
    headers = signed_headers(server, url, form, algorithm="HMAC_SHA256", key=key, settings=SETTINGS_256)
    assert RequestValidator(key).validate(url, form, headers["X-Twilio-Signature"], "HMAC_SHA256")
    answer = requests.post(url, data=form, headers=headers, timeout=5)
    assert answer.status_code == 200, answer.text
    # The auth token's HMAC-SHA1 still works beside it (webhooks no rule matches).
    plain = requests.post(url, data=form, headers=signed_headers(server, url, form), timeout=5)
    assert plain.status_code == 200


def test_shared_key_signatures_fail_with_the_wrong_key_or_algorithm(shetphone_factory):
    server = shared_key_server(shetphone_factory, SHARED_KEY)
    url = server.url("/voice")
    form = {"CallSid": "CA1", "From": "client:alice", "To": "+442079460000"}
    wrong_key = signed_headers(server, url, form, algorithm="HMAC_SHA256", key="not-the-key", settings=SETTINGS_256)
    assert requests.post(url, data=form, headers=wrong_key, timeout=5).status_code == 403
    # The auth token's signature does not pass as a shared-key one.
    token_as_shared = signed_headers(server, url, form, algorithm="HMAC_SHA256", key=AUTH_TOKEN, settings=SETTINGS_256)
    assert requests.post(url, data=form, headers=token_as_shared, timeout=5).status_code == 403
    unknown = signed_headers(server, url, form, algorithm="HMAC_SHA256", key=SHARED_KEY,
                             settings="key=x,algorithm=HMAC_MD5")
    answer = requests.post(url, data=form, headers=unknown, timeout=5)
    assert answer.status_code == 403 and "HMAC_MD5" in answer.text


def test_shared_key_signature_without_a_configured_key_is_refused(shetphone_server):
    url = shetphone_server.url("/voice")
    form = {"CallSid": "CA1", "From": "client:alice", "To": "+442079460000"}
    headers = signed_headers(shetphone_server, url, form, algorithm="HMAC_SHA256", key=SHARED_KEY, settings=SETTINGS_256)
    answer = requests.post(url, data=form, headers=headers, timeout=5)
    assert answer.status_code == 403 and "webhook_shared_key" in answer.text


# --- Files: symlinks planted in state_dir -------------------------------------------------------

def write_config(tmp_path, text):
    from conftest import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, APP_SID
    path = os.path.join(str(tmp_path), "shetphone.ini")
    with open(path, "w") as f:
        f.write(text.format(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, app_sid=APP_SID,
                            api_key_sid=API_KEY_SID, api_key_secret=API_KEY_SECRET, tmp=str(tmp_path)))
    return path


def shetphone(*args, cwd):
    from conftest import binary
    import subprocess
    return subprocess.run([binary(), *args], cwd=cwd, capture_output=True, text=True, timeout=30)


def test_a_planted_key_link_is_refused_not_followed(tmp_path):
    # An older release's device-cookie key is only ever read once and moved aside (the key now
    # lives in the store): a link planted under its name is refused with an error naming it,
    # never followed, and nothing is created where it points.
    config = write_config(tmp_path, DEFAULT_INI)
    os.symlink(os.path.join(ROOT, "Public"), tmp_path / "Public")
    victim = tmp_path / "created-through-the-link"
    os.symlink(victim, tmp_path / "device-cookie.key")
    result = shetphone("serve", "--config", config, cwd=tmp_path)
    assert result.returncode != 0
    assert "device-cookie.key is not a regular file" in result.stderr + result.stdout, result
    assert not victim.exists()
    assert os.path.islink(tmp_path / "device-cookie.key")
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp" in p.name or ".imported" in p.name) == []


def test_a_planted_state_file_link_is_refused_not_followed(tmp_path):
    # The old intercom state file is only ever read once and moved aside; a link planted under its
    # name is refused with an error naming it, and whatever it points at is left as it was.
    config = write_config(tmp_path, INTERCOM_INI)
    victim = tmp_path / "precious"
    precious = '{"version": 1, "grant": null, "usedCodes": [], "openings": []}\n'
    victim.write_text(precious)
    os.symlink(victim, tmp_path / "intercom-state.json")
    result = shetphone("grant", "--config", config, "--minutes", "30", cwd=tmp_path)
    assert result.returncode != 0
    assert "intercom-state.json is not a regular file" in result.stderr, result.stderr
    assert victim.read_text() == precious
    assert os.path.islink(tmp_path / "intercom-state.json")
    assert sorted(p.name for p in tmp_path.iterdir() if ".tmp" in p.name or ".imported" in p.name) == []


# --- Secrets inside public_dir ------------------------------------------------------------------

def test_the_server_refuses_a_public_dir_that_holds_the_config(tmp_path):
    ini = DEFAULT_INI.replace("[server]\n", "[server]\npublic_dir = .\n")
    config = write_config(tmp_path, ini)
    (tmp_path / "login.html").write_text("<form></form>")
    result = shetphone("serve", "--config", config, cwd=tmp_path)
    assert result.returncode != 0
    assert "public_dir . contains this config file" in result.stderr + result.stdout, result.stderr
    checked = shetphone("check-config", config, cwd=tmp_path)
    assert checked.returncode != 0 and "anyone could download it" in checked.stderr + checked.stdout


def test_the_server_refuses_a_users_file_inside_public_dir(tmp_path):
    from conftest import ROOT
    public = tmp_path / "www"
    public.mkdir()
    (public / "login.html").write_text((open(os.path.join(ROOT, "Public", "login.html")).read()))
    ini = DEFAULT_INI.replace("[server]\n", "[server]\npublic_dir = www\n").replace("[app]\n", "[app]\nhtpasswd = www/.htpasswd\n")
    config = write_config(tmp_path, ini)
    result = shetphone("serve", "--config", config, cwd=tmp_path)
    assert result.returncode != 0
    assert "contains the users file (htpasswd)" in result.stderr + result.stdout, result.stderr


# --- Lock-out: failures from elsewhere never block a browser the user has logged in from --------

def failed_logins(server, user, addresses):
    from nginx_helpers import Browser
    for address in addresses:
        reply = Browser("http", server.port, host="127.0.0.1", source=address).login("", user, "wrong-password")
        assert reply.status in (303, 429), reply.status


def test_alice_logs_in_from_her_known_browser_while_an_attacker_fails_her_name(shetphone_server):
    from nginx_helpers import Browser
    server = shetphone_server
    alice = Browser("http", server.port, host="127.0.0.1", source="127.0.0.1")
    first = alice.login("", "alice", "alice-password")
    assert first.status == 303 and "error" not in first.header("Location")
    assert "shetphone_device" in alice.cookies
    alice.cookies.pop("shetphone_session")

    # Twelve addresses, one failure each: no address is blocked, alice's name is.
    failed_logins(server, "alice", [f"127.0.0.{n}" for n in range(2, 14)])
    stranger = Browser("http", server.port, host="127.0.0.1", source="127.0.0.30").login("", "alice", "alice-password")
    assert stranger.status == 429, "the per-name limit still holds for browsers alice never used"

    known = alice.login("", "alice", "alice-password")
    assert known.status == 303 and "error" not in known.header("Location"), known.status
    assert "shetphone_session" in alice.cookies
    # A forged or someone else's device cookie counts for nothing.
    forged = Browser("http", server.port, host="127.0.0.1", source="127.0.0.31")
    forged.cookies["shetphone_device"] = alice.cookies["shetphone_device"][:-2] + "AA"
    assert forged.login("", "alice", "alice-password").status == 429


def test_a_known_browser_that_keeps_failing_is_throttled_on_its_own(shetphone_server):
    from nginx_helpers import Browser
    server = shetphone_server
    bob = Browser("http", server.port, host="127.0.0.1", source="127.0.0.40")
    assert bob.login("", "bob", "bob-password").status == 303
    bob.cookies.pop("shetphone_session")
    # Each from its own address, so only the device cookie's count grows.
    statuses = []
    for n in range(41, 50):
        bob.source = f"127.0.0.{n}"
        statuses.append(bob.login("", "bob", "wrong").status)
    assert statuses[:5] == [303] * 5 and 429 in statuses
    # bob's name was never counted: another browser of his is not blocked.
    other = Browser("http", server.port, host="127.0.0.1", source="127.0.0.60")
    assert other.login("", "bob", "bob-password").status == 303


# --- Toll fraud: allowed_countries = GB US (the default test config) ----------------------------

def dial(server, destination):
    url = server.url("/voice")
    form = {"CallSid": "CA1", "From": "client:alice", "To": destination}
    answer = requests.post(url, data=form, headers=signed_headers(server, url, form), timeout=5)
    assert answer.status_code == 200, answer.text
    return ET.fromstring(answer.content)


@pytest.mark.parametrize("destination,words", [
    ("+449098790000", "premium-rate"), ("+448712345678", "shared-cost"), ("+447012345678", "personal-numbering"),
    ("+19005551234", "premium-rate"), ("+15002345678", "personal-numbering"), ("+14562345678", "carrier-service"),
    ("+441534456789", "country"), ("+441481256789", "country"), ("+441624756789", "country"),
    ("+447624123456", "country"),
])
def test_premium_and_crown_dependency_numbers_are_refused(shetphone_server, destination, words):
    root = dial(shetphone_server, destination)
    assert root.find("Dial") is None
    assert words in root.find("Say").text


def test_allow_premium_lets_listed_ranges_through(shetphone_factory):
    server = shetphone_factory(ini=DEFAULT_INI.replace("[app]\n", "[app]\nallow_premium = +4487 +1900555\n"))
    assert dial(server, "+448712345678").find("Dial/Number").text == "+448712345678"
    assert dial(server, "+19005551234").find("Dial/Number").text == "+19005551234"
    assert dial(server, "+19006661234").find("Dial") is None
    assert dial(server, "+442079460000").find("Dial/Number").text == "+442079460000"


# --- Defence in depth -----------------------------------------------------------------------------

def logged_in_cookie(server, user):
    from nginx_helpers import Browser
    browser = Browser("http", server.port, host="127.0.0.1")
    reply = browser.login("", user, server.users[user])
    assert reply.status == 303 and "error" not in reply.header("Location")
    return f"shetphone_session={browser.cookies['shetphone_session']}", reply


def test_websocket_origin_must_be_the_public_url_when_one_is_set(shetphone_factory):
    import json
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect
    server = shetphone_factory(ini=DEFAULT_INI.replace("[app]\n", "[app]\npublic_url = https://phone.example.com\n"))
    cookie, _ = logged_in_cookie(server, "bob")
    url = server.base_url.replace("http://", "ws://") + "/ws"
    with connect(url, origin="https://phone.example.com", additional_headers={"Cookie": cookie}, open_timeout=5) as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "hello"
    for origin in [server.base_url, "https://evil.example", None]:
        with pytest.raises(InvalidStatus) as refused:
            connect(url, origin=origin, additional_headers={"Cookie": cookie}, open_timeout=5)
        assert refused.value.response.status_code == 403, origin


def test_a_users_status_event_never_reaches_a_number_they_are_not_on(shetphone_server):
    import json
    from websockets.sync.client import connect
    server = shetphone_server
    cookie, _ = logged_in_cookie(server, "alice")
    url = server.base_url.replace("http://", "ws://") + "/ws"
    with connect(url, origin=server.base_url, additional_headers={"Cookie": cookie}, open_timeout=5) as socket:
        assert "number:+442079460174" in json.loads(socket.recv(timeout=5))["data"]["rooms"]
        # carol is not on alice's number: her leg's event stays out of that number's room.
        for sid, user in [("CA-carol", "carol"), ("CA-alice", "alice")]:
            target = "/status?" + urllib.parse.urlencode({"number": "+442079460174", "user": user})
            form = {"CallSid": sid, "CallStatus": "ringing", "From": f"client:{user}", "To": "+12125550100"}
            signed = signed_headers(server, server.url(target), form)
            assert requests.post(server.url(target), data=form, headers=signed, timeout=5).status_code == 204
        event = json.loads(socket.recv(timeout=5))
        assert event["type"] == "call.status" and event["data"]["callSid"] == "CA-alice", event


def run_demo_expecting_refusal(folder, listen, why):
    """Runs `shetphone serve` with no config file in `folder`; it must exit instead of serving."""
    import subprocess
    from conftest import binary
    try:
        return subprocess.run([binary(), "serve", "--listen", listen], cwd=folder, capture_output=True,
                              text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the demo started serving {why}")


def test_the_demo_refuses_to_listen_off_the_machine(tmp_path):
    result = run_demo_expecting_refusal(tmp_path, "0.0.0.0:0", "on 0.0.0.0")
    assert result.returncode != 0 and "loopback only" in result.stderr, result.stderr


def test_the_demo_started_outside_the_checkout_says_where_to_start_it(tmp_path):
    result = run_demo_expecting_refusal(tmp_path, "127.0.0.1:0", "with no users file and no pages")
    assert result.returncode == 1, result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert "the demo runs in the shetphone checkout" in error, result.stderr
    assert f"{tmp_path}/.htpasswd.example and {tmp_path}/Public/login.html cannot be read here" in error, error
    # Before, it said that nobody could log in, and then failed on the login page's template.
    assert "nobody can log in" not in result.stderr, result.stderr


def test_the_session_cookie_lives_as_long_as_the_idle_lifetime(shetphone_factory):
    server = shetphone_factory(ini=DEFAULT_INI.replace("[app]\n", "[app]\nsession_hours = 2\n"))
    cookie, reply = logged_in_cookie(server, "alice")
    session = [c for c in reply.all("Set-Cookie") if c.startswith("shetphone_session=")][0]
    assert "Max-Age=7200" in session, session
    # Each authenticated answer renews it, so an active dialer keeps its login.
    me = requests.get(server.url("/api/me"), headers={"Cookie": cookie}, timeout=5)
    assert me.status_code == 200 and "Max-Age=7200" in me.headers["Set-Cookie"]

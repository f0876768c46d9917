"""Shetphone behind a real NGINX, under /shetphone, configured from nginx.conf.example.

Every request here goes browser -> NGINX (TLS, 127.0.0.1) -> Unix socket -> shetphone, except the
`/metrics` scrape that must come straight to a local TCP listener. A client bound to 127.0.0.2 plays
"someone on another machine": NGINX sees it as $remote_addr and forwards it in X-Forwarded-For.
"""
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse

import pytest

from conftest import DEFAULT_INI, ROOT
from nginx_helpers import (EXAMPLE, Browser, Nginx, changed_lines, cookie_attributes, free_ports, insecure_tls,
                           make_certificate, nginx_conf, short_tempdir, site_from_example)

pytestmark = pytest.mark.skipif(shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"),
                                reason="nginx is not installed (apt-get install nginx)")

BASE = "/shetphone"
OUTSIDE = "127.0.0.2"  # not in metrics_allow: a client from elsewhere
ALICE_NUMBER = "+442079460174"


class Stack:
    def __init__(self, server, nginx, https_port, http_port, folder):
        self.server = server
        self.nginx = nginx
        self.https_port = https_port
        self.http_port = http_port
        self.folder = folder
        self.public = f"https://localhost:{https_port}{BASE}"

    def browser(self, source=None):
        return Browser("https", self.https_port, source=source)

    def signed_post(self, path, params, source=None, url=None):
        """A Twilio-style webhook: form body, signature over the public https URL (or `url`)."""
        signature = self.server.sign(url or self.public + path, params)
        return self.browser(source).post(BASE + path, params, headers={"X-Twilio-Signature": signature})

    def direct(self):
        """Straight to shetphone's local TCP listener, bypassing NGINX."""
        return Browser("http", self.server.port, host="127.0.0.1")


@pytest.fixture
def stack(shetphone_factory):
    started = []

    def start(nginx_serves_static=False, example_text=None, public_url=True):
        folder = short_tempdir()
        http_port, https_port = free_ports(2)
        cert, key = make_certificate(folder)
        socket_path = os.path.join(folder, "shetphone.sock")
        public = f"public_url = https://localhost:{https_port}{BASE}\n" if public_url else ""
        ini = DEFAULT_INI.replace(
            "[app]\n", f"[app]\nbase_path = {BASE}\n{public}"
        ).replace("listen = 127.0.0.1:0", f"listen = unix:{socket_path} 127.0.0.1:0\nsocket_mode = 0660")
        server = shetphone_factory(ini=ini)
        site = site_from_example(http_port=http_port, https_port=https_port, cert=cert, key=key,
                                 socket_path=socket_path, text=example_text,
                                 public_dir=os.path.join(ROOT, "Public") if nginx_serves_static else None)
        nginx = Nginx(folder, nginx_conf(site, folder))
        started.append((nginx, folder))
        nginx.start(https_port)
        return Stack(server, nginx, https_port, http_port, folder)

    yield start
    for nginx, folder in started:
        nginx.stop()
        shutil.rmtree(folder, ignore_errors=True)


def logged_in(stack, user="alice", source=None):
    browser = stack.browser(source)
    reply = browser.login(BASE, user, stack.server.users[user])
    assert reply.status == 303, (reply.status, reply.text[:300])
    return browser, reply


# --- The example file itself ----------------------------------------------------------------


def test_example_changes_only_names_ports_and_paths_and_passes_nginx_check():
    folder = short_tempdir()
    try:
        cert, key = make_certificate(folder)
        example = open(EXAMPLE).read()
        http_port, https_port = free_ports(2)
        site = site_from_example(http_port=http_port, https_port=https_port, cert=cert, key=key,
                                 socket_path=os.path.join(folder, "s.sock"))
        for line in changed_lines(example, site):
            assert re.search(r"listen|server_name|ssl_certificate|unix:", line), f"substitution touched: {line!r}"
        for directive in ["proxy_pass http://shetphone;", "proxy_http_version 1.1;",
                          "proxy_set_header Upgrade           $http_upgrade;",
                          "proxy_set_header Connection        $shetphone_connection;",
                          "proxy_set_header X-Forwarded-For   $proxy_add_x_forwarded_for;",
                          "proxy_set_header X-Forwarded-Proto $scheme;", "location /shetphone/ {"]:
            assert directive in site, directive
        read_timeout = re.search(r"proxy_read_timeout\s+(\d+)s;", site)
        assert read_timeout and int(read_timeout.group(1)) > 30, "WebSockets idle up to the 30 s ping need a longer read timeout"
        ok, output = Nginx(folder, nginx_conf(site, folder)).check()
        assert ok, output
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_plain_http_is_redirected_to_https(stack):
    s = stack()
    reply = Browser("http", s.http_port).get(BASE + "/login")
    assert reply.status == 301
    assert reply.header("Location") == "https://localhost/shetphone/login"


def test_http2_clients_are_served_through_the_http1_upstream(stack):
    s = stack()
    out = subprocess.run(["curl", "-sk", "--http2", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                          f"https://localhost:{s.https_port}{BASE}/healthz"], capture_output=True, text=True)
    if "not support" in out.stderr or out.returncode == 1:
        pytest.skip(f"curl cannot speak HTTP/2 here: {out.stderr}")
    assert out.stdout == "2 200", (out.stdout, out.stderr)


def test_prefix_without_slash_redirects_into_the_app(stack):
    s = stack()
    reply = s.browser().get(BASE)
    assert reply.status == 301
    assert urllib.parse.urlparse(reply.header("Location")).path == BASE + "/"


# --- Login, cookies, token --------------------------------------------------------------------


def test_login_through_nginx_sets_secure_httponly_lax_cookie_on_the_prefix(stack):
    s = stack()
    browser = s.browser()
    page = browser.get(BASE + "/login")
    assert page.status == 200
    csrf_cookies = [cookie_attributes(c) for c in page.all("Set-Cookie")]
    (name, _, attributes), = [c for c in csrf_cookies if c[0] == "shetphone_csrf"]
    assert attributes.get("secure") is True, page.all("Set-Cookie")
    assert attributes.get("httponly") is True
    assert attributes.get("samesite", "").lower() == "strict"
    assert attributes.get("path") == BASE + "/login"

    # A browser sends Origin with the port of the public site; the login must accept it.
    reply = browser.login(BASE, "alice", "alice-password")
    assert reply.status == 303, (reply.status, reply.text[:300])
    assert reply.header("Location") == BASE + "/"
    sessions = [cookie_attributes(c) for c in reply.all("Set-Cookie") if c.startswith("shetphone_session=")]
    assert len(sessions) == 1, reply.all("Set-Cookie")
    _, value, attributes = sessions[0]
    assert value
    assert attributes.get("secure") is True
    assert attributes.get("httponly") is True
    assert attributes.get("samesite", "").lower() == "lax"
    assert attributes.get("path") == BASE

    me = browser.get(BASE + "/api/me")
    assert me.status == 200
    assert json.loads(me.body)["user"] == "alice"


def test_login_from_a_foreign_origin_is_refused_through_nginx(stack):
    s = stack()
    browser = s.browser()
    page = browser.get(BASE + "/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    reply = browser.post(BASE + "/login", {"username": "alice", "password": "alice-password", "csrf": csrf},
                         headers={"Origin": "https://evil.example"})
    assert reply.status == 403
    assert "shetphone_session" not in browser.cookies


def test_token_through_nginx_is_a_twilio_access_token_for_the_user(stack):
    import jwt
    s = stack()
    browser, _ = logged_in(s)
    reply = browser.get(BASE + "/token")
    assert reply.status == 200, reply.text
    body = json.loads(reply.body)
    assert body["identity"] == "alice"
    claims = jwt.decode(body["token"], s.server.api_key_secret, algorithms=["HS256"])
    assert claims["iss"] == s.server.api_key_sid
    assert claims["grants"]["identity"] == "alice"
    assert claims["grants"]["voice"]["outgoing"]["application_sid"] == s.server.app_sid
    assert s.browser().get(BASE + "/token").status == 401


# --- Twilio webhooks at the public URL ------------------------------------------------------------


def test_voice_webhook_signed_for_the_public_https_url_is_answered(stack):
    s = stack()
    params = {"CallSid": "CA" + "1" * 32, "From": "client:alice", "To": "+442079460999",
              "AccountSid": s.server.account_sid}
    reply = s.signed_post("/voice", params)
    assert reply.status == 200, reply.text
    assert "<Dial" in reply.text and "+442079460999</Number>" in reply.text
    # The status callback Twilio will call is the public https URL under the prefix.
    callback = re.search(r'statusCallback="([^"]+)"', reply.text).group(1)
    assert callback.startswith(s.public + "/status"), callback

    # A signature over the internal URL (what shetphone sees on its socket) is not Twilio's.
    internal = s.signed_post("/voice", params, url=f"http://localhost{BASE}/voice")
    assert internal.status == 403
    unsigned = s.browser().post(BASE + "/voice", params)
    assert unsigned.status == 403


def test_without_public_url_the_forwarded_host_and_proto_make_the_signed_url(stack):
    from websockets.sync.client import connect
    s = stack(public_url=False)
    params = {"CallSid": "CA" + "4" * 32, "From": "client:alice", "To": "+442079460999"}
    reply = s.signed_post("/voice", params)  # signed for https://localhost:<port>/shetphone/voice
    assert reply.status == 200, (reply.text, s.server.log()[-1500:])
    callback = re.search(r'statusCallback="([^"]+)"', reply.text).group(1)
    assert callback.startswith(s.public + "/status"), callback
    # The dialer's own origin, port included, passes the WebSocket Origin check.
    browser, _ = logged_in(s)
    with connect(f"wss://localhost:{s.https_port}{BASE}/ws", ssl=insecure_tls(), origin=browser.origin,
                 additional_headers={"Cookie": browser.cookie_header()}, open_timeout=10) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "hello"


def test_websocket_through_nginx_receives_the_status_push(stack):
    from websockets.sync.client import connect
    s = stack()
    browser, _ = logged_in(s)
    url = f"wss://localhost:{s.https_port}{BASE}/ws"
    with connect(url, ssl=insecure_tls(), origin=f"https://localhost:{s.https_port}",
                 additional_headers={"Cookie": browser.cookie_header()}, open_timeout=10) as socket:
        hello = json.loads(socket.recv(timeout=10))
        assert hello["type"] == "hello"
        assert f"number:{ALICE_NUMBER}" in hello["data"]["rooms"]

        health = json.loads(s.browser().get(BASE + "/healthz").body)
        assert health["websockets"] == 1

        params = {"CallSid": "CA" + "2" * 32, "CallStatus": "ringing", "From": "+447700900123",
                  "To": ALICE_NUMBER, "Direction": "inbound", "AccountSid": s.server.account_sid}
        reply = s.signed_post("/status", params)
        assert reply.status == 204, reply.text
        event = json.loads(socket.recv(timeout=10))
        assert event["type"] == "call.status"
        assert event["data"]["callSid"] == params["CallSid"]
        assert event["data"]["status"] == "ringing"
        assert event["data"]["number"] == ALICE_NUMBER


def test_websocket_from_a_foreign_origin_is_refused_through_nginx(stack):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect
    s = stack()
    browser, _ = logged_in(s)
    with pytest.raises(InvalidStatus) as refused:
        connect(f"wss://localhost:{s.https_port}{BASE}/ws", ssl=insecure_tls(), origin="https://evil.example",
                additional_headers={"Cookie": browser.cookie_header()}, open_timeout=10)
    assert refused.value.response.status_code == 403


# --- Static files -----------------------------------------------------------------------------


def test_static_files_come_through_the_prefix(stack):
    s = stack()
    # Logged out, the dialer's address sends the browser to the login page.
    away = s.browser().get(BASE + "/")
    assert away.status == 303 and away.header("Location") == BASE + "/login"
    browser, _ = logged_in(s)
    index = browser.get(BASE + "/")
    assert index.status == 200 and index.header("Content-Type").startswith("text/html")
    assert "script-src 'self'" in index.header("Content-Security-Policy")
    assert "<html" in index.text.lower()
    css = browser.get(BASE + "/app.css")
    assert css.status == 200 and css.header("Content-Type").startswith("text/css")
    again = browser.get(BASE + "/app.css", headers={"If-None-Match": css.header("ETag")})
    assert again.status == 304
    assert browser.get(BASE + "/no-such-file.js").status == 404
    assert browser.get("/outside-the-prefix").status == 404


def test_nginx_can_serve_the_static_files_itself(stack):
    s = stack(nginx_serves_static=True)
    reply = s.browser().get(BASE + "/js/main.js")
    assert reply.status == 200
    assert reply.body == open(os.path.join(ROOT, "Public", "js", "main.js"), "rb").read()
    assert reply.header("Cache-Control") == "max-age=3600"  # the example's `expires 1h`
    time.sleep(0.2)
    assert "/js/main.js" not in s.server.log(), "NGINX should have served it without asking shetphone"
    # Everything else still reaches shetphone.
    assert s.browser().get(BASE + "/login").status == 200


# --- The client address behind the proxy ----------------------------------------------------------


def test_throttle_and_logs_see_the_real_client_not_the_proxy(stack):
    s = stack()
    attacker = s.browser(source=OUTSIDE)
    statuses = []
    for i in range(8):
        # A different user each time: only the client address can trip the throttle.
        reply = attacker.login(BASE, f"mallory{i}", "wrong-password")
        statuses.append(reply.status)
        attacker.cookies.clear()
    assert statuses[0] == 303
    assert 429 in statuses, statuses
    log = s.server.log()
    assert re.search(r'login failed for user "mallory0" from 127\.0\.0\.2\b', log), log[-2000:]
    assert re.search(r"login throttled .* from 127\.0\.0\.2;", log), log[-2000:]
    assert " from unix" not in log

    # Someone else behind the same NGINX is not locked out.
    _, reply = logged_in(s, source="127.0.0.3")
    assert any(c.startswith("shetphone_session=") for c in reply.all("Set-Cookie"))


def test_forged_forwarded_for_does_not_change_the_client(stack):
    s = stack()
    spoofed = s.browser(source=OUTSIDE)
    page = spoofed.get(BASE + "/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    spoofed.post(BASE + "/login", {"username": "nobody-else", "password": "wrong", "csrf": csrf},
                 headers={"X-Forwarded-For": "198.51.100.77"})
    log = s.server.log()
    assert re.search(r'login failed for user "nobody-else" from 127\.0\.0\.2\b', log), log[-2000:]
    assert "198.51.100.77" not in log


# --- Health and metrics -----------------------------------------------------------------------


def test_healthz_through_nginx_needs_no_login(stack):
    s = stack()
    reply = s.browser(source=OUTSIDE).get(BASE + "/healthz")
    assert reply.status == 200
    health = json.loads(reply.body)
    assert health["status"] == "ok"
    assert isinstance(health["uptime"], int) and health["uptime"] >= 0
    assert health["connections"] >= 1
    assert health["websockets"] == 0


def test_metrics_are_refused_through_nginx_and_served_on_the_local_listener(stack):
    s = stack()
    outside = s.browser(source=OUTSIDE).get(BASE + "/metrics")
    assert outside.status == 403
    assert "shetphone_" not in outside.text
    forged = s.browser(source=OUTSIDE).get(BASE + "/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert forged.status == 403

    # Traffic to count: a webhook, a refused webhook, a login, and a path nobody registered.
    params = {"CallSid": "CA" + "3" * 32, "From": "client:alice", "To": "+442079460999"}
    assert s.signed_post("/voice", params).status == 200
    assert s.browser().post(BASE + "/voice", params).status == 403
    logged_in(s)
    s.browser().get(BASE + "/nothing-here-12345")

    reply = s.direct().get(BASE + "/metrics")
    assert reply.status == 200, reply.text
    assert reply.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8"
    samples = parse_exposition(reply.text)

    def value(name, **labels):
        for sample_name, sample_labels, sample_value in samples:
            if sample_name == name and all(sample_labels.get(k) == v for k, v in labels.items()):
                return sample_value
        return None

    assert value("shetphone_http_requests_total", route="/voice", method="POST", status="200") >= 1
    assert value("shetphone_http_requests_total", route="/voice", method="POST", status="403") >= 1
    assert value("shetphone_webhooks_rejected_total", route="/voice", status="403") >= 1
    assert value("shetphone_logins_total", result="ok") >= 1
    assert value("shetphone_http_request_duration_seconds_count", route="/voice") >= 2
    assert value("shetphone_http_connections_open") >= 1
    assert value("shetphone_websockets_open") == 0
    routes = {labels.get("route") for name, labels, _ in samples if name == "shetphone_http_requests_total"}
    assert not any("nothing-here" in route for route in routes), routes
    assert all(route.startswith("/") or route in ("static", "unmatched") for route in routes), routes
    assert not any(route.startswith(BASE) for route in routes), "routes are patterns relative to base_path"


def parse_exposition(text):
    """[(name, labels, value)] read by the Prometheus project's own parser when installed, else a
    strict reading of the 0.0.4 grammar."""
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None
    if text_string_to_metric_families is not None:
        return [(sample.name, dict(sample.labels), sample.value)
                for family in text_string_to_metric_families(text) for sample in family.samples]
    samples = []
    line_pattern = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
    label_pattern = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
    typed = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#") or not line:
            continue
        match = line_pattern.match(line)
        assert match, f"not an exposition line: {line!r}"
        name, _, label_text, number = match.groups()
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or base in typed, f"{name} has no # TYPE line before it"
        labels = {k: v for k, v, _ in label_pattern.findall(label_text or "")}
        samples.append((name, labels, float(number)))
    return samples

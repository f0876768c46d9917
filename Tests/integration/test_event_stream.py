"""Live events over Server-Sent Events (`GET /events`), the fallback when a proxy drops the
WebSocket upgrade; and the original Shetphone's NGINX example in front of the server.

The NGINX config is the original project's example with only the socket path and the listen port
changed (it had no `listen`: one on a free port is added). Its `include proxy_params` is Debian's
file of that time, written next to the generated config.
"""
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse

import pytest
import requests
from websockets.sync.client import connect as ws_connect

from conftest import ACCOUNT_SID, AUTH_TOKEN, DEFAULT_INI
from nginx_helpers import Browser, Nginx, free_port, nginx_conf, short_tempdir

HAS_NGINX = shutil.which("nginx") is not None or os.path.exists("/usr/sbin/nginx")

# The original Shetphone's nginx.conf.example, as it was published.
ORIGINAL_NGINX = """\
server {
    # standard server_name, etc bits up here
    # The rest assumes you want to mount the app under `/shetphone/` as per
    # `uwsgi.ini.example`. Life would be simpler if it was mounted at `/`.

    location /shetphone/socket.io/ {
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "Upgrade";
        proxy_pass http://unix:///tmp/shetphone.sock:/socket.io/;
    }

    location = /shetphone { rewrite ^ /shetphone/; }
    location /shetphone { try_files $uri @shetphone; }
    location @shetphone {
        include uwsgi_params;
        include proxy_params;
        proxy_pass http://unix:///tmp/shetphone.sock;
    }
}
"""

# The README's fix: the upgrade headers on the location that reaches the server.
WEBSOCKET_FIX = """        include proxy_params;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
"""

PROXY_PARAMS = """proxy_set_header Host $http_host;
proxy_set_header X-Real-IP $remote_addr;
proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
proxy_set_header X-Forwarded-Proto $scheme;
"""


class EventReader:
    """Reads the events of one SSE response. One line iterator for the whole response: a
    generator dropped half-way would make urllib3 close the connection."""

    def __init__(self, response):
        self.lines = response.iter_lines(chunk_size=1, decode_unicode=True)

    def next(self, count=1):
        """The next `count` events (data lines joined), skipping comments and retry hints."""
        events = []
        data = []
        for raw in self.lines:
            line = raw if raw is not None else ""
            if line.startswith(":") or line.startswith("retry:"):
                continue
            if line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                events.append(json.loads("\n".join(data)))
                data = []
                if len(events) == count:
                    break
        return events


def read_events(reader, count):
    return reader.next(count)


def login(session, base):
    """Logs alice in like a browser (nginx_helpers.Browser keeps cookies for any host name) and
    hands the cookies to the requests session."""
    parsed = urllib.parse.urlsplit(base)
    browser = Browser(parsed.scheme, parsed.port, host=parsed.hostname)
    reply = browser.login(parsed.path, "alice", "alice-password")
    assert reply.status == 303, reply.text[:300]
    session.headers["Cookie"] = browser.cookie_header()


def signed_status(base_url, path, params, session):
    from twilio.request_validator import RequestValidator
    signature = RequestValidator(AUTH_TOKEN).compute_signature(base_url + path, params)
    return session.post(base_url + path, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)


def status_callback(call_sid="CA" + "5" * 32):
    return {"CallSid": call_sid, "AccountSid": ACCOUNT_SID, "CallStatus": "ringing", "From": "+447700900777",
            "To": "+442079460174", "Direction": "inbound", "Timestamp": "Mon, 30 Nov 2026 00:00:00 +0000"}


def test_events_stream_the_same_events_as_the_websocket(shetphone_factory):
    server = shetphone_factory()
    session = requests.Session()
    login(session, server.base_url)
    assert session.get(server.url("/events"), timeout=5, stream=True).status_code == 200
    stream = session.get(server.url("/events"), stream=True, timeout=10)
    events = EventReader(stream)
    assert stream.headers["Content-Type"].startswith("text/event-stream")
    assert stream.headers["X-Accel-Buffering"] == "no"
    assert "Content-Length" not in stream.headers
    hello = read_events(events, 1)[0]
    assert hello["type"] == "hello" and hello["data"]["user"] == "alice"
    assert "number:+442079460174" in hello["data"]["rooms"]
    # The same callback reaches a WebSocket of the same user and the stream.
    cookie = session.headers["Cookie"]
    with ws_connect(server.url("/ws").replace("http", "ws"), additional_headers={"Cookie": cookie}, open_timeout=10) as ws:
        json.loads(ws.recv(timeout=10))  # hello
        reply = signed_status(server.base_url, "/status", status_callback(), session)
        assert reply.status_code == 204
        over_ws = json.loads(ws.recv(timeout=10))
    over_sse = read_events(events, 1)[0]
    assert over_sse == over_ws
    assert over_sse["type"] == "call.status"
    stream.close()


def test_events_need_a_login(shetphone_factory):
    server = shetphone_factory()
    response = requests.get(server.url("/events"), timeout=5)
    assert response.status_code == 401


def test_events_keep_a_quiet_stream_alive_with_heartbeats(shetphone_factory):
    server = shetphone_factory(ini=DEFAULT_INI.replace("access_log = true", "access_log = true\nws_ping_interval = 0.3"))
    session = requests.Session()
    login(session, server.base_url)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        cookie = session.headers["Cookie"]
        raw.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nCookie: {cookie}\r\n\r\n".encode())
        received = b""
        deadline = time.time() + 10
        while received.count(b": keep-alive\n\n") < 2 and time.time() < deadline:
            received += raw.recv(4096)
        assert received.startswith(b"HTTP/1.1 200 OK\r\n"), received[:200]
        assert received.count(b": keep-alive\n\n") >= 2, received


def logout_stream_ends(session, base, events):
    """Logging out sends the logout event down the stream, as it does down the WebSocket."""
    me = session.get(base + "/api/me", timeout=10).json()
    session.post(base + "/logout", data={"csrf": me["csrf"]}, allow_redirects=False, timeout=10)
    got = read_events(events, 1)
    assert got and got[0]["type"] == "logout"


def test_logout_reaches_the_stream(shetphone_factory):
    server = shetphone_factory()
    session = requests.Session()
    login(session, server.base_url)
    stream = session.get(server.url("/events"), stream=True, timeout=10)
    events = EventReader(stream)
    read_events(events, 1)
    logout_stream_ends(session, server.base_url, events)


# MARK: the original NGINX example in front


@pytest.fixture
def original_stack(shetphone_factory):
    started = []

    def start(fixed=False):
        folder = short_tempdir()
        sock = os.path.join(folder, "s.sock")
        port = free_port()
        ini = DEFAULT_INI.replace("[app]\n", "[app]\nbase_path = /shetphone\n").replace(
            "listen = 127.0.0.1:0", f"listen = unix:{sock} 127.0.0.1:0")
        server = shetphone_factory(ini=ini)
        site = ORIGINAL_NGINX.replace("/tmp/shetphone.sock", sock).replace(
            "server {\n", f"server {{\n    listen 127.0.0.1:{port};\n", 1)
        if fixed:
            site = site.replace("        include proxy_params;\n", WEBSOCKET_FIX)
        # proxy_params as Debian shipped it when the original was written (Host $http_host: the
        # port stays, which the test's non-default port needs); uwsgi_params only feeds uwsgi_pass.
        for name, text in (("uwsgi_params", ""), ("proxy_params", PROXY_PARAMS)):
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        nginx = Nginx(folder, nginx_conf(site, folder))
        started.append((nginx, folder))
        nginx.start(port)
        return server, f"http://localhost:{port}"

    yield start
    for nginx, folder in started:
        nginx.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not HAS_NGINX, reason="nginx is not installed (apt-get install nginx)")
def test_behind_the_original_nginx_live_events_come_over_sse(original_stack):
    server, origin = original_stack()
    base = origin + "/shetphone"
    session = requests.Session()
    login(session, base)
    # The original example drops the upgrade (HTTP/1.0 upstream, no Upgrade header).
    cookie = session.headers["Cookie"]
    with pytest.raises(Exception):
        with ws_connect(base.replace("http", "ws") + "/ws", additional_headers={"Cookie": cookie}, open_timeout=5):
            pass
    stream = session.get(base + "/events", stream=True, timeout=10)
    events = EventReader(stream)
    assert stream.status_code == 200
    assert read_events(events, 1)[0]["type"] == "hello"
    # Twilio signs the public URL NGINX was asked for.
    reply = signed_status(origin, "/shetphone/status", status_callback(), session)
    assert reply.status_code == 204, reply.text
    event = read_events(events, 1)[0]
    assert event["type"] == "call.status" and event["data"]["callSid"] == "CA" + "5" * 32
    stream.close()


@pytest.mark.skipif(not HAS_NGINX, reason="nginx is not installed (apt-get install nginx)")
def test_behind_the_original_nginx_with_the_documented_fix_the_websocket_opens(original_stack):
    server, origin = original_stack(fixed=True)
    base = origin + "/shetphone"
    session = requests.Session()
    login(session, base)
    cookie = session.headers["Cookie"]
    with ws_connect(base.replace("http", "ws") + "/ws", additional_headers={"Cookie": cookie, "Origin": origin},
                    open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        reply = signed_status(origin, "/shetphone/status", status_callback(), session)
        assert reply.status_code == 204, reply.text
        event = json.loads(ws.recv(timeout=10))
        assert event["type"] == "call.status"


@pytest.mark.skipif(not HAS_NGINX, reason="nginx is not installed (apt-get install nginx)")
def test_the_dialer_behind_the_original_nginx_goes_live_over_sse_and_says_what_to_fix(original_stack):
    from selenium.webdriver.common.by import By
    from dialer_helpers import chromium_paths, login as dialer_login, make_browser, text_of, wait_until
    try:
        chromium_paths()
    except Exception as error:  # noqa: BLE001 - no browser on this machine
        pytest.skip(f"chromium is not installed: {error}")
    server, origin = original_stack()
    driver = make_browser()
    try:
        dialer_login(driver, origin + "/shetphone/", "alice", "alice-password")
        wait_until(driver, lambda d: "Server-Sent Events" in text_of(d, "#problem-text"), message="the fallback banner")
        assert "proxy_set_header Upgrade" in text_of(driver, "#problem-text")
        assert driver.execute_script("return document.querySelector('#ind-server').dataset.state") == "online"
        # A live event reaches the dialer over the stream: a call leg's status lands in its log,
        # as test_dialer_e2e shows it does over the WebSocket.
        from twilio.request_validator import RequestValidator
        leg = {"CallSid": "CA" + "6" * 32, "ParentCallSid": "CA" + "7" * 32, "From": "+442079460174",
               "To": "+12125550147", "Direction": "outbound-dial", "CallStatus": "busy"}
        url = origin + "/shetphone/status?" + urllib.parse.urlencode({"number": "+442079460174", "user": "alice"})
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, leg)
        assert requests.post(url, data=leg, headers={"X-Twilio-Signature": signature}, timeout=10).status_code == 204
        wait_until(driver, lambda d: d.execute_script(
            "return [...document.querySelectorAll('#call-log li')].some(li => li.dataset.status === 'busy')"),
            message="the busy leg in the call log")
    finally:
        driver.quit()

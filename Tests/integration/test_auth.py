"""Logins against the built `shetphone` binary: hashes made by Apache's htpasswd and by passlib,
cookie flags, CSRF refusal, throttling, live edits of .htpasswd, logout events, and bcrypt load."""
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse

import pytest
import requests

from conftest import DEFAULT_INI, binary

HTPASSWD = shutil.which("htpasswd")
needs_htpasswd = pytest.mark.skipif(HTPASSWD is None, reason="Apache's htpasswd (apache2-utils) is not installed")


def ini_with(app_lines="", server_lines=""):
    """The default config with extra `[app]` and `[server]` lines."""
    text = DEFAULT_INI.replace("[app]\n", "[app]\n" + app_lines)
    return text.replace("[server]\n", "[server]\n" + server_lines)


def htpasswd_add(path, user, password, *flags):
    """`htpasswd -b [flags] FILE USER PASSWORD` (creates FILE when missing)."""
    args = [HTPASSWD, "-b"] + (["-c"] if not os.path.exists(path) else []) + list(flags) + [path, user, password]
    subprocess.run(args, check=True, capture_output=True)


def set_cookie_headers(response):
    """Every Set-Cookie of a requests response, unmerged, by cookie name."""
    values = response.raw.headers.getlist("Set-Cookie")
    return {value.split("=", 1)[0]: value for value in values}


def form_token(server, session, path="/login", headers=None):
    response = session.get(server.url(path), headers=headers or {}, allow_redirects=False)
    assert response.status_code == 200, response.text
    match = re.search(r'name="csrf" value="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


def login(server, user, password, next_path="/", session=None, headers=None, base=""):
    """GET /login then POST it like a browser; returns (session, response of the POST)."""
    session = session or requests.Session()
    token = form_token(server, session, base + "/login", headers)
    response = session.post(server.url(base + "/login"), headers=headers or {}, allow_redirects=False,
                            data={"csrf": token, "username": user, "password": password, "next": next_path})
    return session, response


def assert_logged_in(server, session, user, base=""):
    me = session.get(server.url(base + "/api/me"))
    assert me.status_code == 200, me.text
    assert me.json()["user"] == user
    return me.json()


# ---- hashes made by other tools --------------------------------------------------------------

HTPASSWD_FLAGS = {
    "bcrypt": (["-B", "-C", "5"], "bcrypt-pw"),
    "apr1": (["-m"], "apr1-pw"),
    "sha1": (["-s"], "sha1-pw"),
    "sha256": (["-2"], "sha256-pw"),
    "sha512": (["-5"], "sha512-pw"),
    "des": (["-d"], "des-pw12"),  # DES crypt reads 8 bytes
}


@needs_htpasswd
def test_every_hash_apache_htpasswd_writes_logs_in(tmp_path, shetphone_factory):
    path = str(tmp_path / ".htpasswd")
    for user, (flags, password) in HTPASSWD_FLAGS.items():
        htpasswd_add(path, user, password, *flags)
    server = shetphone_factory(users={})
    for user, (_, password) in HTPASSWD_FLAGS.items():
        session, response = login(server, user, password, next_path="/?from=test")
        assert response.status_code == 303, (user, response.status_code, response.text)
        assert response.headers["Location"] == "/?from=test"
        assert "shetphone_session" in set_cookie_headers(response)
        assert_logged_in(server, session, user)

        _, wrong = login(server, user, "x" + password)  # DES reads only the first 8 bytes
        assert wrong.status_code == 303, (user, wrong.text)
        assert wrong.headers["Location"].startswith("/login?error=1")
        assert "shetphone_session" not in set_cookie_headers(wrong)


def passlib_modules():
    """passlib's `apache` and `hash` modules. passlib 1.7.4's wrapper of the bcrypt package breaks
    on bcrypt >= 4.1 (its self-test hashes a password over 72 bytes, which bcrypt now refuses), even
    on `import passlib.apache`; its own pure-Python bcrypt still works, slowly, so it is chosen first."""
    passlib_hash = pytest.importorskip("passlib.hash")
    os.environ["PASSLIB_BUILTIN_BCRYPT"] = "enabled"
    passlib_hash.bcrypt.set_backend("builtin")
    import passlib.apache
    return passlib.apache, passlib_hash


def test_hashes_written_by_passlib_log_in(tmp_path, shetphone_factory):
    apache, passlib_hash = passlib_modules()
    import bcrypt as bcrypt_package

    passlib_bcrypt = passlib_hash.bcrypt.using(ident="2y", rounds=4)

    makers = {
        "p_apr1": lambda pw: passlib_hash.apr_md5_crypt.hash(pw),
        "p_sha256": lambda pw: passlib_hash.sha256_crypt.using(rounds=5000).hash(pw),
        "p_sha512": lambda pw: passlib_hash.sha512_crypt.using(rounds=5000).hash(pw),
        "p_sha512_rounds": lambda pw: passlib_hash.sha512_crypt.using(rounds=20000).hash(pw),
        "p_md5crypt": lambda pw: passlib_hash.md5_crypt.hash(pw),
        "p_des": lambda pw: passlib_hash.des_crypt.hash(pw),
        "p_sha1": lambda pw: passlib_hash.ldap_sha1.hash(pw),
        "p_bcrypt2y": lambda pw: passlib_bcrypt.hash(pw),
        "p_bcrypt2b": lambda pw: bcrypt_package.hashpw(pw.encode(), bcrypt_package.gensalt(rounds=4)).decode(),
    }
    path = str(tmp_path / ".htpasswd")
    store = apache.HtpasswdFile(path, new=True)
    passwords = {}
    for user, make in makers.items():
        passwords[user] = "pw-" + user[-6:]
        store.set_hash(user, make(passwords[user]))
    store.save()
    server = shetphone_factory(users={})
    for user, password in passwords.items():
        session, response = login(server, user, password)
        assert response.status_code == 303 and response.headers["Location"] == "/", (user, response.text)
        assert_logged_in(server, session, user)
        _, wrong = login(server, user, "not-" + password)
        assert wrong.headers["Location"].startswith("/login?error=1"), user


def test_plain_text_entries_are_refused_and_logged(tmp_path, shetphone_factory):
    with open(tmp_path / ".htpasswd", "w") as f:
        f.write("# a plain-text password is never accepted\nplain:plain-password\nno colon here\n")
    server = shetphone_factory(users={})
    _, response = login(server, "plain", "plain-password")
    assert response.headers["Location"].startswith("/login?error=1")
    log = server.log()
    assert re.search(r"\.htpasswd:2: .*plain-text", log), log
    assert re.search(r"\.htpasswd:3: no ':'", log), log


def test_shetphone_passwd_writes_a_hash_apache_and_passlib_accept(tmp_path, shetphone_factory):
    apache, _ = passlib_modules()
    path = str(tmp_path / ".htpasswd")
    help_text = subprocess.run([binary(), "--help"], capture_output=True, text=True).stdout
    if not re.search(r"^\s+passwd\b", help_text, re.MULTILINE):
        pytest.skip("`shetphone passwd` is not wired into Sources/shetphone/Shetphone.swift yet")
    done = subprocess.run([binary(), "passwd", "--cost", "5", path, "zed"], input="zed-password\n",
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)
    line = open(path).read()
    assert re.fullmatch(r"zed:\$2y\$05\$[./A-Za-z0-9]{53}\n", line), line
    assert apache.HtpasswdFile(path).check_password("zed", "zed-password")
    if HTPASSWD:
        assert subprocess.run([HTPASSWD, "-vb", path, "zed", "zed-password"], capture_output=True).returncode == 0

    server = shetphone_factory(users={})
    session, response = login(server, "zed", "zed-password")
    assert response.status_code == 303
    assert_logged_in(server, session, "zed")

    again = subprocess.run([binary(), "passwd", "--cost", "5", path, "zed"], input="new-password\n",
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "changed" in again.stdout
    deadline = time.time() + 5
    while True:
        _, response = login(server, "zed", "new-password")
        if response.headers.get("Location") == "/" or time.time() > deadline:
            break
        time.sleep(0.3)
    assert response.headers.get("Location") == "/", "the changed password did not work without a restart"

    bad = subprocess.run([binary(), "passwd", path, "bad:name"], input="x\n", capture_output=True, text=True)
    assert bad.returncode != 0 and "':'" in bad.stderr


# ---- cookies and CSRF -------------------------------------------------------------------------

def test_session_cookie_is_httponly_lax_and_not_secure_over_plain_http(shetphone_server):
    server = shetphone_server
    session = requests.Session()
    page = session.get(server.url("/login"))
    csrf_cookie = set_cookie_headers(page)["shetphone_csrf"]
    assert "HttpOnly" in csrf_cookie and "SameSite=Strict" in csrf_cookie and "Path=/login" in csrf_cookie
    assert "Secure" not in csrf_cookie
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert 'href="app.css"' in page.text and 'class="card"' in page.text and 'class="btn primary"' in page.text

    _, response = login(server, "alice", "alice-password", session=session)
    assert response.status_code == 303
    cookie = set_cookie_headers(response)["shetphone_session"]
    value = cookie.split(";")[0].split("=", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value), "a 256-bit base64url id"
    attributes = [part.strip() for part in cookie.split(";")[1:]]
    assert "HttpOnly" in attributes and "SameSite=Lax" in attributes and "Path=/" in attributes
    assert "Secure" not in attributes


def test_session_cookie_is_secure_behind_an_https_proxy(shetphone_factory):
    server = shetphone_factory(ini=ini_with(server_lines="trusted_proxies = 127.0.0.1\n"))
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "phone.example", "X-Forwarded-For": "198.51.100.7"}
    page = requests.get(server.url("/login"), headers=proxied)
    assert "Secure" in set_cookie_headers(page)["shetphone_csrf"]
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    response = requests.post(server.url("/login"), allow_redirects=False,
                             headers={**proxied, "Cookie": f"shetphone_csrf={token}", "Origin": "https://phone.example"},
                             data={"csrf": token, "username": "alice", "password": "alice-password", "next": "/"})
    assert response.status_code == 303, response.text
    attributes = [part.strip() for part in set_cookie_headers(response)["shetphone_session"].split(";")]
    assert "Secure" in attributes and "HttpOnly" in attributes and "SameSite=Lax" in attributes


def test_under_a_base_path_cookies_and_redirects_stay_inside_it(shetphone_factory):
    server = shetphone_factory(ini=ini_with(app_lines="base_path = /phone\n"))
    session = requests.Session()
    _, response = login(server, "alice", "alice-password", next_path="https://evil.example/", session=session,
                        base="/phone")
    assert response.status_code == 303
    assert response.headers["Location"] == "/phone/"
    assert "Path=/phone;" in set_cookie_headers(response)["shetphone_session"] + ";"
    assert_logged_in(server, session, "alice", base="/phone")
    _, failed = login(server, "alice", "wrong", next_path="/phone/x", base="/phone")
    assert failed.headers["Location"] == "/phone/login?error=1&next=%2Fphone%2Fx"


def test_login_without_a_matching_csrf_token_is_403(shetphone_server):
    server = shetphone_server
    credentials = {"username": "alice", "password": "alice-password", "next": "/"}
    no_cookie = requests.post(server.url("/login"), data={**credentials, "csrf": "A" * 43}, allow_redirects=False)
    assert no_cookie.status_code == 403
    assert "Reload the login page" in no_cookie.text

    session = requests.Session()
    token = form_token(server, session)
    mismatched = session.post(server.url("/login"), data={**credentials, "csrf": "B" * 43}, allow_redirects=False)
    assert mismatched.status_code == 403

    cross_site = session.post(server.url("/login"), data={**credentials, "csrf": token}, allow_redirects=False,
                              headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403
    assert "shetphone_session" not in set_cookie_headers(cross_site)

    ok = session.post(server.url("/login"), data={**credentials, "csrf": token}, allow_redirects=False)
    assert ok.status_code == 303 and ok.headers["Location"] == "/"


def test_logout_needs_the_session_csrf_token(shetphone_server):
    server = shetphone_server
    session, _ = login(server, "alice", "alice-password")
    me = assert_logged_in(server, session, "alice")
    refused = session.post(server.url("/logout"), headers={"X-CSRF-Token": "C" * 43}, allow_redirects=False)
    assert refused.status_code == 403
    assert_logged_in(server, session, "alice")
    done = session.post(server.url("/logout"), headers={"X-CSRF-Token": me["csrf"]}, allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert "Max-Age=0" in set_cookie_headers(done)["shetphone_session"]
    assert session.get(server.url("/api/me")).status_code == 401


def test_unauthenticated_api_is_401_json(shetphone_server):
    response = requests.get(shetphone_server.url("/api/me"))
    assert response.status_code == 401
    assert response.json() == {"error": "login required"}


# ---- throttling -------------------------------------------------------------------------------

def test_repeated_failures_are_throttled_with_retry_after(shetphone_server):
    server = shetphone_server
    for attempt in range(6):
        _, response = login(server, "alice", f"guess-{attempt}")
        assert response.status_code == 303, (attempt, response.text)
    _, limited = login(server, "alice", "alice-password")
    assert limited.status_code == 429
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    assert "Too many failed logins" in limited.text
    time.sleep(retry_after + 0.1)
    session, response = login(server, "alice", "alice-password")
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert_logged_in(server, session, "alice")


# ---- live edits of .htpasswd ------------------------------------------------------------------

@needs_htpasswd
def test_user_added_with_htpasswd_logs_in_without_restart(shetphone_server):
    server = shetphone_server
    path = os.path.join(server.workdir, ".htpasswd")
    _, before = login(server, "dave", "dave-password")
    assert before.headers["Location"].startswith("/login?error=1")
    htpasswd_add(path, "dave", "dave-password", "-B", "-C", "5")
    deadline = time.time() + 5
    while True:
        session, response = login(server, "dave", "dave-password")
        if response.headers.get("Location") == "/" or time.time() > deadline:
            break
        time.sleep(0.25)
    assert response.headers.get("Location") == "/", "dave was not picked up without a restart"
    assert_logged_in(server, session, "dave")


@needs_htpasswd
def test_user_removed_with_htpasswd_loses_access_without_restart(shetphone_server):
    server = shetphone_server
    session, _ = login(server, "bob", "bob-password")
    assert_logged_in(server, session, "bob")
    subprocess.run([HTPASSWD, "-D", os.path.join(server.workdir, ".htpasswd"), "bob"], check=True, capture_output=True)
    deadline = time.time() + 5
    while session.get(server.url("/api/me")).status_code == 200 and time.time() < deadline:
        time.sleep(0.25)
    assert session.get(server.url("/api/me")).status_code == 401


# ---- WebSocket: logout event, and bcrypt load ------------------------------------------------

def open_socket(server, session, stack):
    """A WebSocket to /ws with the session's cookie, closed when `stack` closes; its hello is read."""
    sync_client = pytest.importorskip("websockets.sync.client")
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies if c.name == "shetphone_session")
    socket = stack.enter_context(sync_client.connect(
        server.url("/ws").replace("http://", "ws://"), origin=server.base_url,
        additional_headers={"Cookie": cookie}, open_timeout=5))
    hello = json.loads(socket.recv(timeout=5))
    assert hello["type"] == "hello", hello
    return socket


def next_event(socket, timeout):
    """The next event, or None when nothing came in time."""
    try:
        return json.loads(socket.recv(timeout=timeout))
    except TimeoutError:
        return None


def test_logout_reaches_every_socket_of_that_session_and_only_those(shetphone_server):
    server = shetphone_server
    first, _ = login(server, "alice", "alice-password")
    other, _ = login(server, "alice", "alice-password")
    csrf = assert_logged_in(server, first, "alice")["csrf"]
    with contextlib.ExitStack() as stack:
        sockets = [open_socket(server, first, stack), open_socket(server, first, stack)]
        bystander = open_socket(server, other, stack)
        response = first.post(server.url("/logout"), headers={"X-CSRF-Token": csrf}, allow_redirects=False)
        assert response.status_code == 303
        for socket in sockets:
            event = next_event(socket, 5)
            assert event is not None and event["type"] == "logout", event
        assert next_event(bystander, 1) is None, "another session of the same user was told to log out"
        assert first.get(server.url("/api/me")).status_code == 401
        assert_logged_in(server, other, "alice")


@needs_htpasswd
def test_fifty_concurrent_bcrypt_logins_do_not_stall_websocket_traffic(tmp_path, shetphone_factory):
    """Fifty logins at bcrypt cost 12 (seconds of CPU in all) run on the worker pool; meanwhile the
    event loops keep answering WebSocket pings and /healthz within milliseconds."""
    path = str(tmp_path / ".htpasswd")
    htpasswd_add(path, "watcher", "watcher-pw", "-B", "-C", "5")
    heavy = subprocess.run([HTPASSWD, "-nbB", "-C", "12", "x", "heavy-password"], check=True,
                           capture_output=True, text=True).stdout.split("\n")[0].split(":", 1)[1]
    with open(path, "a") as f:
        for n in range(50):
            f.write(f"user{n}:{heavy}\n")
    # Each login comes from its own address (through the trusted proxy) so the per-address
    # throttle, which allows a few checks at a time per address, does not turn them away.
    server = shetphone_factory(users={}, ini=ini_with(server_lines="trusted_proxies = 127.0.0.1\n"))
    watcher, _ = login(server, "watcher", "watcher-pw")
    stack = contextlib.ExitStack()
    socket = open_socket(server, watcher, stack)

    results = [None] * 50

    def one_login(n):
        _, response = login(server, f"user{n}", "heavy-password", headers={"X-Forwarded-For": f"198.51.100.{n + 1}"})
        results[n] = response.status_code, response.headers.get("Location")

    threads = [threading.Thread(target=one_login, args=(n,)) for n in range(50)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    ping_ms, health_ms = [], []
    try:
        while any(thread.is_alive() for thread in threads) and time.monotonic() - started < 120:
            sent = time.monotonic()
            socket.ping().wait(5)
            ping_ms.append((time.monotonic() - sent) * 1000)
            sent = time.monotonic()
            assert requests.get(server.url("/healthz"), timeout=5).status_code == 200
            health_ms.append((time.monotonic() - sent) * 1000)
            time.sleep(0.02)
    finally:
        for thread in threads:
            thread.join(120)
        stack.close()
    elapsed = time.monotonic() - started
    assert all(result == (303, "/") for result in results), results
    assert len(ping_ms) >= 10, f"the logins finished in {elapsed:.1f} s, too fast to measure"
    ping_ms.sort()
    health_ms.sort()
    p90_ping = ping_ms[len(ping_ms) * 9 // 10]
    p90_health = health_ms[len(health_ms) * 9 // 10]
    summary = (f"{len(ping_ms)} samples over {elapsed:.1f} s: ping median {statistics.median(ping_ms):.1f} ms, "
               f"p90 {p90_ping:.1f} ms; /healthz median {statistics.median(health_ms):.1f} ms, p90 {p90_health:.1f} ms")
    print(summary)
    # One bcrypt-12 check is ~250 ms: a check on a loop would push these past it.
    assert p90_ping < 100, summary
    assert p90_health < 100, summary

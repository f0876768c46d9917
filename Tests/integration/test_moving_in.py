"""Moving in: the original Shetphone's two ini forms and the intercom seed's settings, run as they are.

The files are in Tests/fixtures/moving-in/; only the socket path and the port are changed here,
so the tests can run side by side. Twilio's side is played by the `twilio` library's signature.
"""
import http.client
import os
import re
import shutil
import socket
import stat
import subprocess
import urllib.parse
import xml.etree.ElementTree as ET

import requests

from conftest import ACCOUNT_SID, APP_SID, AUTH_TOKEN, ROOT, binary, make_htpasswd
from nginx_helpers import free_port, short_tempdir

FIXTURES = os.path.join(ROOT, "Tests", "fixtures", "moving-in")
CREDENTIALS = {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_APP_SID": APP_SID}
NO_TWILIO_ENV = {name: "" for name in CREDENTIALS}


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


def check_config(path, env=None, cwd=ROOT):
    return subprocess.run([binary(), "check-config", path], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **NO_TWILIO_ENV, **(env or {})})


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.unix_path)


def unix_request(path, method, target, body=None, headers=None):
    connection = UnixHTTPConnection(path)
    try:
        connection.request(method, target, body=body, headers={"Host": "localhost", **(headers or {})})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def signed_form(url, params):
    from twilio.request_validator import RequestValidator
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}


def incoming_call(number="+442079460174"):
    return {"CallSid": "CA" + "1" * 32, "AccountSid": ACCOUNT_SID, "From": "+447700900777", "To": number,
            "CallStatus": "ringing", "Direction": "inbound"}


# MARK: check-config


def test_check_config_prints_every_translation_of_the_original_ini(tmp_path):
    path = tmp_path / "shetphone.ini"
    path.write_text(fixture("original-shetphone.ini"))
    make_htpasswd(str(tmp_path / ".htpasswd"), {"alice": "alice-password"})
    out = check_config(str(path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    expected = [
        "translated: [twilio] application_sid is read as app_sid",
        "ignored: [app] secret_key means nothing now",
        "ignored: [app] debug means nothing now",
        "translated: [uwsgi] http-socket = /tmp/shetphone.sock becomes [server] listen = unix:/tmp/shetphone.sock",
        "translated: [uwsgi] chmod-socket = 666 becomes [server] socket_mode = 0666",
        "translated: [uwsgi] mount = /shetphone=shetphone.app:app becomes [app] base_path = /shetphone",
        "ignored: [uwsgi] master means nothing now",
        "ignored: [uwsgi] vacuum means nothing now",
    ]
    for text in expected:
        assert sum(text in line for line in lines) == 1, (text, out.stdout)
    # Each note names the file and the line it is about.
    assert any(line.startswith(f"{path}:4: ignored: [app] secret_key") for line in lines), out.stdout
    assert lines[-1] == f"{path}: OK"


def test_check_config_reads_the_older_form_with_credentials_from_the_environment(tmp_path):
    path = tmp_path / "shetphone.ini"
    path.write_text(fixture("original-shetphone-env.ini"))
    make_htpasswd(str(tmp_path / ".htpasswd"), {"alice": "alice-password"})
    without = check_config(str(path))
    assert without.returncode == 1
    assert "[twilio] section is missing" in without.stderr
    out = check_config(str(path), env=CREDENTIALS)
    assert out.returncode == 0, out.stderr
    for text in ["translated: [shetphone:numbers] is read as [numbers]",
                 "translated: [shetphone:clients] is read as [clients]",
                 "translated: [twilio] account_sid is taken from the environment variable TWILIO_ACCOUNT_SID",
                 "translated: [twilio] auth_token is taken from the environment variable TWILIO_AUTH_TOKEN",
                 "translated: [twilio] app_sid is taken from the environment variable TWILIO_APP_SID"]:
        assert text in out.stdout, out.stdout
    assert AUTH_TOKEN not in out.stdout + out.stderr


def test_check_config_on_a_read_only_folder_succeeds_and_leaves_nothing_behind(tmp_path):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "shetphone.ini").write_text(fixture("intercom-seed.ini"))
    make_htpasswd(str(folder / ".htpasswd"), {"alice": "alice-password"})
    before = {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(folder)}
    os.chmod(folder, 0o555)
    try:
        out = check_config(str(folder / "shetphone.ini"))
    finally:
        os.chmod(folder, 0o755)
    assert out.returncode == 0, out.stderr
    assert "warning: [intercom] grant_code: the quotes around the value were removed" in out.stdout
    assert "translated: [intercom] timeout_seconds is read as dial_timeout" in out.stdout
    assert "translated: [global] server.socket_host/server.socket_port become [server] listen = 127.0.0.1:8080" in out.stdout
    after = {entry.name: entry.stat().st_mtime_ns for entry in os.scandir(folder)}
    assert after == before
    if os.geteuid() != 0:
        # The intercom could not keep grants here: said, not failed.
        assert "is not writable by this user" in out.stdout


def test_check_config_starts_no_thread_and_binds_nothing(tmp_path):
    """check-config on a config whose address is taken still succeeds: it never listens."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        path = tmp_path / "shetphone.ini"
        path.write_text(fixture("intercom-seed.ini").replace("8080", str(port)))
        out = check_config(str(path))
        assert out.returncode == 0, out.stderr
        assert not os.path.exists(tmp_path / "intercom-state.lock")
        assert sorted(os.listdir(tmp_path)) == ["shetphone.ini"]
    finally:
        holder.close()


def test_the_readme_examples_pass_check_config(tmp_path):
    """Every ```ini block of the README, as a whole file (blocks of sections only: a block naming
    just one section is checked with the minimal [twilio] section it leaves out)."""
    readme = open(os.path.join(ROOT, "README.md")).read()
    blocks = re.findall(r"```ini\n(.*?)```", readme, flags=re.S)
    assert len(blocks) >= 3, "the README has ini examples"
    make_htpasswd(str(tmp_path / ".htpasswd"), {"alice": "alice-password"})
    twilio = f"\n[twilio]\naccount_sid = {ACCOUNT_SID}\nauth_token = {AUTH_TOKEN}\napp_sid = {APP_SID}\n"
    for index, block in enumerate(blocks):
        text = block if "[twilio]" in block or "TWILIO_" in block else block + twilio
        path = tmp_path / f"readme-{index}.ini"
        path.write_text(text)
        out = check_config(str(path), env=CREDENTIALS if "[uwsgi]" in block and "[twilio]" not in block else None)
        assert out.returncode == 0, (block, out.stdout, out.stderr)


def test_the_example_config_passes_check_config(tmp_path):
    shutil.copy(os.path.join(ROOT, "shetphone.ini.example"), tmp_path / "shetphone.ini")
    make_htpasswd(str(tmp_path / ".htpasswd"), {"alice": "alice-password"})
    out = check_config(str(tmp_path / "shetphone.ini"))
    assert out.returncode == 0, out.stderr


# MARK: serving


def start_original(shetphone_factory, name, env=None):
    folder = short_tempdir()
    sock = os.path.join(folder, "shetphone.sock")
    text = fixture(name).replace("/tmp/shetphone.sock", sock)
    server = shetphone_factory(ini=text, users={"alice": "alice-password"}, env={**NO_TWILIO_ENV, **(env or {})})
    for _ in range(100):
        if os.path.exists(sock):
            break
    return server, sock, folder


def answers_incoming_call_like_the_original(sock):
    params = incoming_call()
    url = "http://localhost/shetphone/voice"
    status, headers, body = unix_request(sock, "POST", "/shetphone/voice", body=urllib.parse.urlencode(params),
                                         headers=signed_form(url, params))
    assert status == 200, body
    root = ET.fromstring(body)
    dial = root.find("Dial")
    assert dial is not None, body
    assert [client.text.strip() for client in dial.iter("Client")] == ["alice"]
    # Unsigned: refused, as Twilio's own signature check would.
    status, _, _ = unix_request(sock, "POST", "/shetphone/voice", body=urllib.parse.urlencode(params),
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 403


def test_the_original_ini_serves_on_its_uwsgi_socket_under_its_mount(shetphone_factory):
    server, sock, folder = start_original(shetphone_factory, "original-shetphone.ini")
    try:
        assert stat.S_IMODE(os.stat(sock).st_mode) == 0o666
        answers_incoming_call_like_the_original(sock)
        status, headers, _ = unix_request(sock, "GET", "/shetphone")
        assert status == 301 and headers["Location"] == "/shetphone/"
        status, headers, _ = unix_request(sock, "GET", "/shetphone/")
        assert status == 303 and headers["Location"] == "/shetphone/login"
        assert "ignored: [app] secret_key" in server.log()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_older_form_serves_with_credentials_from_the_environment(shetphone_factory):
    server, sock, folder = start_original(shetphone_factory, "original-shetphone-env.ini", env=CREDENTIALS)
    try:
        answers_incoming_call_like_the_original(sock)
        assert "[twilio] auth_token is taken from the environment variable TWILIO_AUTH_TOKEN" in server.log()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_intercom_seed_answers_its_webhook_at_the_site_root(shetphone_factory):
    port = free_port()
    server = shetphone_factory(ini=fixture("intercom-seed.ini").replace("8080", str(port)),
                               users={"alice": "alice-password"}, env=NO_TWILIO_ENV)
    base = f"http://127.0.0.1:{port}"
    target = "/?PhoneNumberToDial=%2B15552223333&ExpectedFrom=%2B15558889999"
    call = {"CallSid": "CA" + "2" * 32, "AccountSid": ACCOUNT_SID, "From": "+15558889999", "To": "+15550001111"}
    public = f"http://127.0.0.1:{port}"

    def webhook():
        response = requests.post(base + target, data=call, headers={"X-Twilio-Signature": signed_form(public + target, call)["X-Twilio-Signature"]},
                                 timeout=10)
        assert response.status_code == 200, response.text
        return ET.fromstring(response.text)

    dial = webhook().find("Dial")
    assert dial is not None and dial.get("timeout") == "20"
    assert dial.find("Number").text == "+15552223333"
    # A stranger's call through the same URL is refused, as the seed refused it.
    stranger = dict(call, From="+15550009999")
    response = requests.post(base + target, data=stranger, headers={"X-Twilio-Signature": signed_form(public + target, stranger)["X-Twilio-Signature"]},
                             timeout=10)
    assert ET.fromstring(response.text).find("Reject") is not None
    # GET / stays the dialer: logged out, the login page.
    page = requests.get(base + "/", allow_redirects=False, timeout=10)
    assert page.status_code == 303 and page.headers["Location"] == "/login"
    # The old bookmark (the code was quoted in app.ini) opens the door, for the minutes it asks.
    grant = requests.get(base + "/grant?code=YOUR-SUPER-SECRET-GRANT-CODE&minutes=5", timeout=10)
    assert grant.status_code == 200, grant.text
    assert "5 minutes left" in grant.text
    play = webhook().find("Play")
    assert play is not None and play.get("digits").endswith("9")


def test_a_get_webhook_reaches_the_intercom_on_its_own_path(shetphone_factory):
    """Twilio's console lets the intercom number's webhook be a GET: the parameters are in the
    URL, and the signature is over the URL alone."""
    from conftest import DEFAULT_INI
    server = shetphone_factory(ini=DEFAULT_INI + "\n[intercom]\ndial_timeout = 30\n")
    query = urllib.parse.urlencode({"CallSid": "CA" + "3" * 32, "From": "+15558889999", "To": "+15550001111",
                                    "PhoneNumberToDial": "+15552223333", "ExpectedFrom": "+15558889999"})
    url = server.url("/intercom?" + query)
    from twilio.request_validator import RequestValidator
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, {})
    response = requests.get(url, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 200, response.text
    dial = ET.fromstring(response.text).find("Dial")
    assert dial is not None and dial.get("timeout") == "30" and dial.find("Number").text == "+15552223333"
    assert requests.get(url, headers={"X-Twilio-Signature": "wrong"}, timeout=10).status_code == 403


def test_get_logout_is_a_page_with_a_logout_button_and_the_post_logs_out(shetphone_factory):
    import html
    from conftest import DEFAULT_INI
    server = shetphone_factory(ini=DEFAULT_INI)
    session = requests.Session()
    page = session.get(server.url("/login"), timeout=10)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    assert session.post(server.url("/login"), data={"username": "alice", "password": "alice-password", "csrf": html.unescape(csrf),
                                                    "next": "/"}, headers={"Origin": server.base_url},
                        allow_redirects=False, timeout=10).status_code == 303
    logout_page = session.get(server.url("/logout"), timeout=10)
    assert logout_page.status_code == 200
    # A page without any script: nothing but its own styles and form.
    assert logout_page.headers["Content-Security-Policy"].startswith("default-src 'self'; form-action 'self'")
    assert '<form method="post" action="logout">' in logout_page.text
    token = re.search(r'name="csrf" value="([^"]+)"', logout_page.text).group(1)
    # A GET never logs out: the session still works.
    assert session.get(server.url("/api/me"), timeout=10).status_code == 200
    out = session.post(server.url("/logout"), data={"csrf": html.unescape(token)}, allow_redirects=False, timeout=10)
    assert out.status_code == 303
    assert session.get(server.url("/api/me"), timeout=10).status_code == 401
    # Logged out, the page sends the browser to the login page.
    away = session.get(server.url("/logout"), allow_redirects=False, timeout=10)
    assert away.status_code == 303 and away.headers["Location"] == "/login"

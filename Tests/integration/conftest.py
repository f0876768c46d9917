"""Fixtures that build and run the real `shetphone` binary on 127.0.0.1 for the integration suite."""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import textwrap
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "a" * 32
APP_SID = "AP" + "b" * 32
API_KEY_SID = "SK" + "c" * 32
API_KEY_SECRET = "test-api-key-secret"


def bin_path():
    """The folder of the debug build (scripts/test builds it first)."""
    explicit = os.environ.get("SHETPHONE_BIN_DIR")
    if explicit:
        return explicit
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


_BIN_DIR = None


def binary(name="shetphone"):
    global _BIN_DIR
    if _BIN_DIR is None:
        _BIN_DIR = bin_path()
    path = os.path.join(_BIN_DIR, name)
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: run `swift build` first (scripts/test does)")
    return path


def make_htpasswd(path, users, flag="-B"):
    """Writes an .htpasswd with Apache's own htpasswd tool (bcrypt by default)."""
    if shutil.which("htpasswd") is None:
        pytest.fail("htpasswd (apache2-utils) is not installed")
    first = True
    for user, password in users.items():
        args = ["htpasswd", "-b"] + (["-c"] if first else []) + ([flag] if flag else []) + [path, user, password]
        if flag == "-B":
            args.insert(2, "-C")
            args.insert(3, "5")
        subprocess.run(args, check=True, capture_output=True)
        first = False


def wait_for_port(port, proc, log, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port}:\n{log()}")


class RunningServer:
    """A `shetphone serve` process with its config folder; stops itself at the end of the test."""

    def __init__(self, workdir, proc, port, users, lines):
        self.workdir = workdir
        self.proc = proc
        self.port = port
        self.users = users
        self._lines = lines
        self.base_url = f"http://127.0.0.1:{port}"
        self.auth_token = AUTH_TOKEN
        self.account_sid = ACCOUNT_SID
        self.api_key_sid = API_KEY_SID
        self.api_key_secret = API_KEY_SECRET
        self.app_sid = APP_SID

    def log(self):
        return "".join(self._lines)

    def url(self, path):
        return self.base_url + path

    def sign(self, url, params):
        from twilio.request_validator import RequestValidator
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


DEFAULT_INI = """\
[app]
allowed_countries = GB US

[server]
listen = 127.0.0.1:0
access_log = true

[twilio]
account_sid = {account_sid}
auth_token = {auth_token}
app_sid = {app_sid}
api_key_sid = {api_key_sid}
api_key_secret = {api_key_secret}

[numbers]
+442079460174 = alice
+15005550006 = bob carol

[clients]
alice = +442079460174 +15005550006

[presets]
Office = +442079460000
"""


def start_server(tmp_path, ini=None, users=None, extra_args=(), public_dir=None, listen_unix=None, env=None,
                 workdir=None, command_prefix=()):
    """Writes shetphone.ini + .htpasswd into tmp_path and starts the binary there."""
    users = users if users is not None else {"alice": "alice-password", "bob": "bob-password",
                                             "carol": "carol-password"}
    workdir = str(workdir or tmp_path)
    text = (ini if ini is not None else DEFAULT_INI).format(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, app_sid=APP_SID,
        api_key_sid=API_KEY_SID, api_key_secret=API_KEY_SECRET, tmp=workdir)
    with open(os.path.join(workdir, "shetphone.ini"), "w") as f:
        f.write(text)
    htpasswd = os.path.join(workdir, ".htpasswd")
    if users and not os.path.exists(htpasswd):
        make_htpasswd(htpasswd, users)
    if public_dir is None:
        public_dir = os.path.join(ROOT, "Public")
    args = list(command_prefix) + [binary(), "serve", "--config", os.path.join(workdir, "shetphone.ini")]
    if "public_dir" not in text:
        # Tests run from the temp folder; point at the repo's Public/ through a symlink.
        link = os.path.join(workdir, "Public")
        if not os.path.exists(link):
            os.symlink(public_dir, link)
    args += list(extra_args)
    proc = subprocess.Popen(args, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, text=True, bufsize=1)
    lines = []
    port_found = threading.Event()
    found = {}

    def pump():
        for line in proc.stdout:
            lines.append(line)
            m = re.search(r"listening on (\S+)", line)
            if m and not port_found.is_set():
                tcp = re.search(r"127\.0\.0\.1:(\d+)", line)
                found["port"] = int(tcp.group(1)) if tcp else 0
                port_found.set()
    threading.Thread(target=pump, daemon=True).start()
    if not port_found.wait(60):
        proc.kill()
        raise RuntimeError("server did not start:\n" + "".join(lines))
    server = RunningServer(workdir, proc, found.get("port", 0), users, lines)
    return server


@pytest.fixture
def shetphone_factory(tmp_path):
    servers = []

    def factory(**kwargs):
        kwargs.setdefault("tmp_path", tmp_path)
        server = start_server(**kwargs)
        servers.append(server)
        return server
    yield factory
    for server in servers:
        server.stop(signal.SIGKILL if server.proc.poll() is None else signal.SIGTERM, timeout=5)


@pytest.fixture
def shetphone_server(shetphone_factory):
    """The default server: users alice/bob/carol, two numbers, signatures on."""
    return shetphone_factory()


def raw_request(port, data, timeout=5.0, read_until_close=True):
    """Sends raw bytes and returns everything the server sends back until it closes (or times out)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if not read_until_close:
                    break
        except socket.timeout:
            pass
        return b"".join(chunks)


@pytest.fixture
def postgres():
    """A real PostgreSQL in a temporary folder (Debian's postgresql package), stopped at the end."""
    from postgres_helpers import PostgresServer
    server = PostgresServer()
    yield server
    server.close()

"""A real NGINX in front of `shetphone`, configured from the repository's nginx.conf.example.

The example is read and only its names, ports and paths are replaced (by regex), so the file a
user copies is the file under test. NGINX runs as the current user with every path it writes in
a temporary folder, listening on free 127.0.0.1 ports.
"""
import html
import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse

from conftest import ROOT

EXAMPLE = os.path.join(ROOT, "nginx.conf.example")
EXAMPLE_HOST = "phone.example.com"
EXAMPLE_SOCKET = "/run/shetphone/shetphone.sock"
EXAMPLE_PUBLIC = "/srv/shetphone/Public"


def free_port():
    return free_ports(1)[0]


def free_ports(count):
    """`count` different free ports: every socket stays bound until all are picked (one closed
    and bound again may get the same port back, and NGINX then puts both servers on one port)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def short_tempdir():
    """A folder with a short path: a Unix socket path must fit in 108 bytes."""
    return tempfile.mkdtemp(prefix="sp-", dir="/tmp")


def make_certificate(folder, name="localhost"):
    """A throw-away self-signed certificate and key for `name`."""
    cert = os.path.join(folder, "cert.pem")
    key = os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def site_from_example(*, http_port, https_port, cert, key, socket_path, server_name="localhost",
                      public_dir=None, text=None):
    """The example's http-level blocks with names, ports and paths replaced.

    `listen 80`/`listen 443 ...` become 127.0.0.1 ports (flags such as `ssl` kept); IPv6
    `listen [::]` lines are dropped. With `public_dir`, the commented-out "NGINX serves the
    static files" locations are switched on, pointing there.
    """
    text = text if text is not None else open(EXAMPLE).read()
    out = text
    out = re.sub(r"^(\s*)listen\s+\[::\]:\d+[^;]*;\n", "", out, flags=re.M)
    out = re.sub(r"^(\s*)listen\s+80(\s*);", rf"\1listen 127.0.0.1:{http_port}\2;", out, flags=re.M)
    out = re.sub(r"^(\s*)listen\s+443(\s[^;]*)?;", lambda m: f"{m.group(1)}listen 127.0.0.1:{https_port}{m.group(2) or ''};",
                 out, flags=re.M)
    out = re.sub(r"^(\s*)server_name\s+[^;]+;", rf"\1server_name {server_name};", out, flags=re.M)
    out = re.sub(r"^(\s*)ssl_certificate\s+[^;]+;", lambda m: f"{m.group(1)}ssl_certificate     {cert};", out, flags=re.M)
    out = re.sub(r"^(\s*)ssl_certificate_key\s+[^;]+;", lambda m: f"{m.group(1)}ssl_certificate_key {key};",
                 out, flags=re.M)
    out = re.sub(r"unix:[^;\s]+", lambda m: f"unix:{socket_path}", out)
    if public_dir is not None:
        public = public_dir.rstrip("/")
        out = re.sub(r"^(\s*)#\s*(location\s+\S+\s*\{\s*alias\s+)" + re.escape(EXAMPLE_PUBLIC) + r"(/[^;]*;.*\})\s*$",
                     lambda m: f"{m.group(1)}{m.group(2)}{public}{m.group(3)}", out, flags=re.M)
    return out


def changed_lines(example, generated):
    """Lines of the example that the substitution changed or dropped (to prove it only touched
    names, ports and paths)."""
    kept = set(generated.splitlines())
    return [line for line in example.splitlines() if line not in kept]


def nginx_conf(site, prefix):
    """A whole nginx.conf around `site`: every path NGINX writes is under `prefix`."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    mime = "include /etc/nginx/mime.types;" if os.path.exists("/etc/nginx/mime.types") else \
        "types { text/html html; text/css css; application/javascript js; image/svg+xml svg; }"
    temp = "\n".join(f"    {kind}_temp_path {prefix}/temp/{kind};" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 512; }}
http {{
    {mime}
    default_type application/octet-stream;
    access_log {prefix}/access.log;
{temp}
{site}
}}
"""


class Nginx:
    """An `nginx` process running a generated config; `stop()` ends it."""

    def __init__(self, prefix, conf_text):
        self.prefix = prefix
        os.makedirs(os.path.join(prefix, "temp"), exist_ok=True)
        self.conf = os.path.join(prefix, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf_text)
        self.proc = None

    def command(self, *extra):
        return [shutil.which("nginx") or "/usr/sbin/nginx", "-p", self.prefix, "-e", os.path.join(self.prefix, "error.log"),
                "-c", self.conf, *extra]

    def check(self):
        """`nginx -t`: returns (ok, output)."""
        out = subprocess.run(self.command("-t"), capture_output=True, text=True)
        return out.returncode == 0, out.stdout + out.stderr

    def start(self, port, timeout=10):
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}:\n{self.proc.stdout.read()}\n{self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen:\n" + self.error_log())

    def error_log(self):
        path = os.path.join(self.prefix, "error.log")
        return open(path).read() if os.path.exists(path) else ""

    def access_log(self):
        path = os.path.join(self.prefix, "access.log")
        return open(path).read() if os.path.exists(path) else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def insecure_tls():
    """TLS that accepts the throw-away certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value), as sent
        self.body = body

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def all(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


class Browser:
    """A minimal HTTP client that keeps cookies and can send from a chosen local address
    (127.0.0.2 looks like "another machine" to NGINX's $remote_addr)."""

    def __init__(self, scheme, port, host="localhost", source=None):
        self.scheme = scheme
        self.port = port
        self.host = host
        self.source = source
        self.cookies = {}

    @property
    def origin(self):
        default = 443 if self.scheme == "https" else 80
        return f"{self.scheme}://{self.host}" + ("" if self.port == default else f":{self.port}")

    def request(self, method, path, body=None, headers=None, timeout=10):
        source = (self.source, 0) if self.source else None
        if self.scheme == "https":
            connection = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                                     source_address=source, context=insecure_tls())
        else:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout, source_address=source)
        sent = {"Host": self.host if self.port in (80, 443) else f"{self.host}:{self.port}"}
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        if isinstance(body, dict):
            body = urllib.parse.urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            reply = Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()
        for cookie in reply.all("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value == "" or "max-age=0" in cookie.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return reply

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, form, **kwargs):
        return self.request("POST", path, body=form, **kwargs)

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def login(self, base, user, password, origin=True):
        """GET the login page for its CSRF cookie and field, then POST it like a browser would."""
        page = self.get(base + "/login")
        assert page.status == 200, (page.status, page.text[:300])
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        follow = re.search(r'name="next" value="([^"]*)"', page.text)
        assert csrf and follow, page.text[:500]
        headers = {"Origin": self.origin} if origin else {}
        return self.post(base + "/login", {"username": user, "password": password,
                                           "csrf": html.unescape(csrf.group(1)),
                                           "next": html.unescape(follow.group(1))},
                         headers=headers)


def cookie_attributes(set_cookie):
    """`name=value; Path=/x; Secure` -> ("name", "value", {"path": "/x", "secure": True})."""
    parts = [p.strip() for p in set_cookie.split(";")]
    name, _, value = parts[0].partition("=")
    attributes = {}
    for part in parts[1:]:
        key, sep, val = part.partition("=")
        attributes[key.lower()] = val if sep else True
    return name, value, attributes

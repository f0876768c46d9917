"""`shetphone fetch-sdk` against a local fake of the npm registry over real HTTPS: the right
tarball installs dist/twilio.min.js where the dialer loads it, with version and hashes beside
it; a tarball whose sha512 differs from the published integrity is refused and nothing is
written."""
import base64
import hashlib
import http.server
import io
import json
import os
import ssl
import subprocess
import tarfile
import threading

import pytest

from conftest import binary
from fake_twilio_api import make_certificate

SCRIPT_2_12 = b"/* twilio-voice 2.12.1 */ window.Twilio = { Device: function () {} };\n"
SCRIPT_2_11 = b"/* twilio-voice 2.11.0 */ window.Twilio = { Device: function () {} };\n"


def tarball(script, version):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in (("package/package.json", json.dumps({"name": "@twilio/voice-sdk", "version": version}).encode()),
                           ("package/dist/twilio.min.js", script)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


class FakeRegistry:
    """Serves one package document and its tarballs over HTTPS; `tamper` serves other bytes."""

    def __init__(self, cert, key):
        self.tarballs = {"2.12.1": tarball(SCRIPT_2_12, "2.12.1"), "2.11.0": tarball(SCRIPT_2_11, "2.11.0")}
        self.tamper = False
        self.paths = []
        registry = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                registry.paths.append(self.path)
                if self.path == "/@twilio%2fvoice-sdk":
                    body = json.dumps(registry.document()).encode()
                    kind = "application/json"
                elif self.path.startswith("/tarballs/voice-sdk-"):
                    version = self.path[len("/tarballs/voice-sdk-"):-len(".tgz")]
                    body = registry.tarballs[version]
                    if registry.tamper:
                        body = tarball(b"window.evil = true;\n", version)
                    kind = "application/octet-stream"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def document(self):
        versions = {}
        for version, data in self.tarballs.items():
            integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
            versions[version] = {"name": "@twilio/voice-sdk", "version": version,
                                 "dist": {"tarball": f"{self.url}/tarballs/voice-sdk-{version}.tgz", "integrity": integrity}}
        return {"name": "@twilio/voice-sdk", "dist-tags": {"latest": "2.12.1"}, "versions": versions}

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def registry(tmp_path):
    cert, key = make_certificate(str(tmp_path), name="fake-npm")
    fake = FakeRegistry(cert, key)
    fake.cert = cert
    yield fake
    fake.stop()


def setup_folder(tmp_path, registry):
    public = tmp_path / "Public"
    public.mkdir()
    config = tmp_path / "etc" / "shetphone.ini"
    config.parent.mkdir()
    config.write_text(f"[server]\npublic_dir = {public}\n\n[outbound]\nca_file = {registry.cert}\n")
    return config, public


def fetch_sdk(config, registry, *extra):
    return subprocess.run([binary(), "fetch-sdk", "--config", str(config), "--registry", registry.url, *extra],
                          capture_output=True, text=True, timeout=120)


def test_the_right_tarball_installs_the_sdk_with_its_version_and_hashes(tmp_path, registry):
    config, public = setup_folder(tmp_path, registry)
    out = fetch_sdk(config, registry)
    assert out.returncode == 0, out.stderr
    installed = public / "vendor" / "twilio.min.js"
    assert installed.read_bytes() == SCRIPT_2_12
    record = json.loads((public / "vendor" / "twilio-sdk.json").read_text())
    assert record["version"] == "2.12.1" and record["package"] == "@twilio/voice-sdk"
    assert record["sha256"] == hashlib.sha256(SCRIPT_2_12).hexdigest()
    assert record["integrity"] == registry.document()["versions"]["2.12.1"]["dist"]["integrity"]
    # A chosen version replaces it.
    out = fetch_sdk(config, registry, "--version", "2.11.0")
    assert out.returncode == 0, out.stderr
    assert installed.read_bytes() == SCRIPT_2_11


def test_a_tarball_that_does_not_match_the_integrity_is_refused_and_nothing_is_written(tmp_path, registry):
    config, public = setup_folder(tmp_path, registry)
    registry.tamper = True
    out = fetch_sdk(config, registry)
    assert out.returncode == 1
    assert "does not match the registry's sha512 integrity; nothing was installed" in out.stderr
    assert not (public / "vendor").exists() or os.listdir(public / "vendor") == []
    assert any(p.startswith("/tarballs/") for p in registry.paths)


def test_check_config_names_the_command_while_the_sdk_is_missing(tmp_path, registry):
    config, public = setup_folder(tmp_path, registry)
    (public / "login.html").write_text("<form>{{csrf}}{{next}}</form>")
    out = subprocess.run([binary(), "check-config", str(config)], capture_output=True, text=True)
    assert "shetphone fetch-sdk" in out.stdout, out.stdout + out.stderr
    assert fetch_sdk(config, registry).returncode == 0
    out = subprocess.run([binary(), "check-config", str(config)], capture_output=True, text=True)
    assert "fetch-sdk" not in out.stdout, out.stdout

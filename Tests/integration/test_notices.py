"""Email and hook notices from the real binary (`shetphone test-notice`, the server's own courier):
a real SMTP server (aiosmtpd) with STARTTLS or TLS and AUTH, and a hook receiver that checks the
HMAC-SHA256 signature the way README tells people to."""
import email
import email.policy
import hashlib
import hmac
import http.server
import json
import socket
import ssl
import subprocess
import threading
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from conftest import binary
from fake_twilio_api import make_certificate

HOOK_SECRET = "hook-secret-0123456789"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"from": envelope.mail_from, "to": envelope.rcpt_tos, "tls": session.ssl is not None,
                              "message": email.message_from_bytes(envelope.content, policy=email.policy.default)})
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"mailer" and auth_data.password == b"mail-password"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def certificate(tmp_path):
    return make_certificate(str(tmp_path), name="smtp", hosts=("localhost", "127.0.0.1"))


def smtp_server(certificate, mode, port=None):
    """mode: "starttls" (STARTTLS offered and required), "tls" (TLS from the first byte), "plain" (no TLS at all)."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = port or free_port()
    kwargs = {"authenticator": authenticator, "auth_required": True}
    if mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    elif mode == "tls":
        # The whole connection is TLS, which aiosmtpd's STARTTLS bookkeeping does not see.
        kwargs.update(ssl_context=context, auth_require_tls=False)
    else:
        kwargs.update(auth_require_tls=False)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller, inbox, port


def write_config(tmp_path, ca_file, smtp=None, hooks=None, timeout=5):
    text = f"[outbound]\nca_file = {ca_file}\ntimeout = {timeout}\n"
    if smtp:
        text += "\n[smtp]\n" + "".join(f"{k} = {v}\n" for k, v in smtp.items())
    if hooks:
        text += "\n[hooks]\n" + "".join(f"{k} = {v}\n" for k, v in hooks.items())
    path = tmp_path / "shetphone.ini"
    path.write_text(text)
    return str(path)


def test_notice(config, *args):
    return subprocess.run([binary(), "test-notice", "--config", config, *args], capture_output=True, text=True, timeout=120)


test_notice.__test__ = False


def smtp_settings(port, security, password="mail-password"):
    return {"host": "127.0.0.1", "port": port, "security": security, "user": "mailer", "password": password,
            "from": "Shetphone <phone@example.com>"}


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_email_goes_through_smtp_with_tls_and_login(tmp_path, certificate, mode):
    controller, inbox, port = smtp_server(certificate, mode)
    try:
        config = write_config(tmp_path, certificate[0], smtp=smtp_settings(port, mode))
        result = test_notice(config, "--email", "alice@example.com")
        assert result.returncode == 0, result.stderr
        assert f"email to alice@example.com: accepted by smtp{'s' if mode == 'tls' else ''}://127.0.0.1:{port}" in result.stdout
        [mail] = inbox.messages
        assert mail["from"] == "phone@example.com" and mail["to"] == ["alice@example.com"]
        if mode == "starttls":
            assert mail["tls"], "the message travelled over TLS after STARTTLS"
        # (In "tls" mode the server speaks nothing but TLS, so a delivered message went over it.)
        message = mail["message"]
        assert message["Subject"] == "Shetphone test notice"
        assert message["From"] == "Shetphone <phone@example.com>"
        assert message.get_content() == "This is a test from shetphone: email notices reach you.\n"
    finally:
        controller.stop()


def test_wrong_smtp_password_is_a_plain_error(tmp_path, certificate):
    controller, inbox, port = smtp_server(certificate, "starttls")
    try:
        config = write_config(tmp_path, certificate[0], smtp=smtp_settings(port, "starttls", password="wrong"))
        result = test_notice(config, "--email", "alice@example.com")
        assert result.returncode == 1
        assert "email to alice@example.com:" in result.stderr and "login refused" in result.stderr
        assert "wrong" not in result.stderr.replace("login refused", "")
        assert inbox.messages == []
    finally:
        controller.stop()


def test_starttls_is_required_so_a_server_without_it_never_sees_the_password(tmp_path, certificate):
    controller, inbox, port = smtp_server(certificate, "plain")
    try:
        config = write_config(tmp_path, certificate[0], smtp=smtp_settings(port, "starttls"))
        result = test_notice(config, "--email", "alice@example.com")
        assert result.returncode == 1
        assert "TLS failed" in result.stderr
        assert inbox.messages == []
    finally:
        controller.stop()


def test_an_smtp_certificate_nobody_trusts_is_refused(tmp_path, certificate):
    controller, inbox, port = smtp_server(certificate, "tls")
    try:
        other, _ = make_certificate(str(tmp_path), name="other")
        config = write_config(tmp_path, other, smtp=smtp_settings(port, "tls"))
        result = test_notice(config, "--email", "alice@example.com")
        assert result.returncode == 1 and "TLS failed" in result.stderr
        assert inbox.messages == []
    finally:
        controller.stop()


class HookReceiver:
    """Checks every POST the way README documents: HMAC-SHA256 over "<t>.<body>" with the secret."""

    def __init__(self, answers=(200,), hang=False):
        self.answers = list(answers)
        self.hang = hang
        self.posts = []
        self.release = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                signature = self.headers.get("X-Shetphone-Signature", "")
                fields = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
                expected = hmac.new(HOOK_SECRET.encode(), f"{fields.get('t')}.".encode() + body, hashlib.sha256).hexdigest()
                receiver.posts.append({
                    "valid": hmac.compare_digest(expected, fields.get("v1", "")),
                    "fresh": abs(time.time() - int(fields.get("t", "0"))) < 300,
                    "event": self.headers.get("X-Shetphone-Event"),
                    "delivery": self.headers.get("X-Shetphone-Delivery"),
                    "json": json.loads(body)})
                if receiver.hang:
                    receiver.release.wait(30)
                    return
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def receiver_factory():
    made = []

    def make(**kwargs):
        receiver = HookReceiver(**kwargs)
        made.append(receiver)
        return receiver
    yield make
    for receiver in made:
        receiver.stop()


def test_hook_is_a_json_post_with_a_valid_signature(tmp_path, certificate, receiver_factory):
    receiver = receiver_factory()
    config = write_config(tmp_path, certificate[0], hooks={"secret": HOOK_SECRET, "voicemail.new": receiver.url})
    result = test_notice(config, "--hook", "voicemail.new")
    assert result.returncode == 0, result.stderr
    assert f"hook voicemail.new -> {receiver.url}: 200" in result.stdout
    [post] = receiver.posts
    assert post["valid"] and post["fresh"]
    assert post["event"] == "voicemail.new"
    assert post["json"]["type"] == "voicemail.new" and post["json"]["data"] == {"test": True}
    assert post["json"]["id"] == post["delivery"]


def test_a_hook_signed_with_another_secret_fails_the_receivers_check(tmp_path, certificate, receiver_factory):
    receiver = receiver_factory()
    config = write_config(tmp_path, certificate[0], hooks={"secret": "some-other-secret-xyz", "call.missed": receiver.url})
    assert test_notice(config, "--hook", "call.missed").returncode == 0
    assert [p["valid"] for p in receiver.posts] == [False]


def test_a_failing_hook_is_retried_with_the_same_delivery_id(tmp_path, certificate, receiver_factory):
    receiver = receiver_factory(answers=[503, 200])
    config = write_config(tmp_path, certificate[0], hooks={"secret": HOOK_SECRET, "intercom.opened": receiver.url})
    result = test_notice(config, "--hook", "intercom.opened")
    assert result.returncode == 0, result.stderr
    assert len(receiver.posts) == 2
    assert receiver.posts[0]["delivery"] == receiver.posts[1]["delivery"]
    assert all(p["valid"] for p in receiver.posts)


def test_a_hook_that_hangs_times_out_and_says_so(tmp_path, certificate, receiver_factory):
    receiver = receiver_factory(hang=True)
    config = write_config(tmp_path, certificate[0], hooks={"secret": HOOK_SECRET, "sms.received": receiver.url},
                          timeout=1)
    result = test_notice(config, "--hook", "sms.received")
    assert result.returncode == 1
    assert "hook sms.received:" in result.stderr and "timed out" in result.stderr
    assert len(receiver.posts) == 3


def test_hook_settings_errors_name_the_key(tmp_path, certificate):
    config = write_config(tmp_path, certificate[0], hooks={"voicemail.new": "https://example.com/h"})
    result = test_notice(config, "--hook", "voicemail.new")
    assert result.returncode == 1 and "[hooks] secret is required" in result.stderr
    config = write_config(tmp_path, certificate[0], hooks={"secret": HOOK_SECRET, "call.mised": "https://example.com/h"})
    result = test_notice(config, "--hook", "call.missed")
    assert result.returncode == 1 and "[hooks] call.mised: unknown key" in result.stderr

"""SIGHUP re-reads numbers, clients, presets and .htpasswd without dropping connections; the systemd
unit in contrib/ sends exactly that signal on `systemctl reload`."""
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import DEFAULT_INI, ROOT, make_htpasswd
from nginx_helpers import Browser

ALICE_NUMBER = "+442079460174"


def wait_for_log(server, pattern, count=1, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(re.findall(pattern, server.log())) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {count}x {pattern!r} in the log:\n{server.log()[-3000:]}")


def sighup(server, expect=r"SIGHUP: reloaded"):
    before = len(re.findall(r"SIGHUP: ", server.log()))
    server.proc.send_signal(signal.SIGHUP)
    wait_for_log(server, r"SIGHUP: ", count=before + 1)
    last = re.findall(r"SIGHUP: .*", server.log())[-1]
    assert re.search(expect, last), last


def rewrite_ini(server, old, new):
    path = os.path.join(server.workdir, "shetphone.ini")
    text = open(path).read()
    assert old in text, (old, text)
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def incoming_call(server, sid="CA" + "7" * 32):
    params = {"CallSid": sid, "From": "+447700900123", "To": ALICE_NUMBER, "Direction": "inbound",
              "AccountSid": server.account_sid}
    browser = Browser("http", server.port, host="127.0.0.1")
    reply = browser.post("/voice", params, headers={"X-Twilio-Signature": server.sign(server.url("/voice"), params)})
    assert reply.status == 200, reply.text
    return reply.text


def clients_rung(twiml):
    """The browser users a <Dial> rings: <Client>alice</Client> or <Client><Identity>alice</Identity>..."""
    names = re.findall(r"<Client[^>]*>\s*(?:<Identity>)?([A-Za-z0-9_.-]+)", twiml)
    return sorted(set(names))


@contextlib.contextmanager
def open_socket(server, browser):
    """A dialer's WebSocket, past its `hello`."""
    from websockets.sync.client import connect
    with connect(f"ws://127.0.0.1:{server.port}/ws", origin=f"http://127.0.0.1:{server.port}",
                 additional_headers={"Cookie": browser.cookie_header()}, open_timeout=10) as socket:
        hello = json.loads(socket.recv(timeout=10))
        assert hello["type"] == "hello", hello
        yield socket


def signed_status(server, params):
    browser = Browser("http", server.port, host="127.0.0.1")
    reply = browser.post("/status", params, headers={"X-Twilio-Signature": server.sign(server.url("/status"), params)})
    assert reply.status == 204, reply.text


def login(server, user):
    browser = Browser("http", server.port, host="127.0.0.1")
    reply = browser.login("", user, server.users[user])
    assert reply.status == 303 and "shetphone_session" in browser.cookies, (reply.status, reply.text[:300])
    return browser


def test_sighup_changes_voice_routing_and_keeps_websockets_open(shetphone_server):
    server = shetphone_server
    assert clients_rung(incoming_call(server)) == ["alice"]
    alice = login(server, "alice")
    with open_socket(server, alice) as socket:
        rewrite_ini(server, f"{ALICE_NUMBER} = alice\n", f"{ALICE_NUMBER} = bob\n")
        sighup(server)

        # The WebSocket opened before the reload is the same, open, connection: it answers a ping
        # and still gets alice's own events.
        assert socket.ping().wait(5), "no pong after SIGHUP"
        params = {"CallSid": "CA" + "9" * 32, "CallStatus": "in-progress", "From": "client:alice",
                  "To": "+442079460999", "AccountSid": server.account_sid}
        signed_status(server, params)
        event = json.loads(socket.recv(timeout=10))
        assert event["type"] == "call.status" and event["data"]["callSid"] == params["CallSid"]

        # The next call to the number rings its new user.
        assert clients_rung(incoming_call(server, sid="CA" + "8" * 32)) == ["bob"]
        # Alice's session survived too.
        assert alice.get("/api/me").status == 200
        assert socket.ping().wait(5)
    assert server.proc.poll() is None


def test_sighup_takes_a_number_away_from_open_dialers(shetphone_server):
    server = shetphone_server
    alice = login(server, "alice")
    with open_socket(server, alice) as socket:
        # Alice neither answers nor calls out from the number any more ([clients] named it too).
        rewrite_ini(server, f"{ALICE_NUMBER} = alice\n", f"{ALICE_NUMBER} = bob\n")
        rewrite_ini(server, "alice = +442079460174 +15005550006\n", "alice = +15005550006\n")
        sighup(server)
        incoming_call(server, sid="CA" + "6" * 32)
        # The call now rings bob: alice's dialer must not pop up a call it cannot answer.
        with pytest.raises(TimeoutError):
            event = json.loads(socket.recv(timeout=1))
            pytest.fail(f"alice still got {event}")


def test_broken_config_on_sighup_keeps_the_running_one(shetphone_server):
    server = shetphone_server
    rewrite_ini(server, f"{ALICE_NUMBER} = alice\n", f"{ALICE_NUMBER} = alice\nnot a number = bob\n")
    sighup(server, expect=r"keeping the running configuration")
    assert re.search(r"shetphone\.ini:\d+: ", server.log()), "the error names file and line"
    assert clients_rung(incoming_call(server)) == ["alice"]
    assert server.proc.poll() is None

    health = json.loads(Browser("http", server.port, host="127.0.0.1").get("/healthz").body)
    assert health["status"] == "ok"
    assert "failed" in health["config"]
    metrics = Browser("http", server.port, host="127.0.0.1").get("/metrics").text
    assert "shetphone_config_last_reload_successful 0\n" in metrics
    assert 'shetphone_config_reloads_total{result="failed"} 1\n' in metrics

    # Fixing the file and reloading again recovers.
    rewrite_ini(server, "not a number = bob\n", "")
    sighup(server)
    metrics = Browser("http", server.port, host="127.0.0.1").get("/metrics").text
    assert "shetphone_config_last_reload_successful 1\n" in metrics
    assert 'shetphone_config_reloads_total{result="ok"} 1\n' in metrics


def test_sighup_rereads_htpasswd_and_presets(shetphone_server):
    server = shetphone_server
    bob = login(server, "bob")
    assert bob.get("/api/me").status == 200
    presets = json.loads(bob.get("/presets").body)["presets"]
    assert [p["name"] for p in presets] == ["Office"]

    # dave is added, bob removed (re-written without him), and a preset added.
    htpasswd = os.path.join(server.workdir, ".htpasswd")
    os.unlink(htpasswd)
    make_htpasswd(htpasswd, {"alice": "alice-password", "carol": "carol-password", "dave": "dave-password"})
    rewrite_ini(server, "Office = +442079460000\n", "Office = +442079460000\nHome = +442079460001\n")
    sighup(server)

    server.users["dave"] = "dave-password"
    dave = login(server, "dave")
    assert json.loads(dave.get("/api/me").body)["user"] == "dave"
    assert [p["name"] for p in json.loads(dave.get("/presets").body)["presets"]] == ["Office", "Home"]
    # A user taken out of the file loses access at once, session or not.
    assert bob.get("/api/me").status == 401


def test_systemd_unit_verifies_and_reloads_with_sighup(tmp_path):
    unit_path = os.path.join(ROOT, "contrib", "shetphone.service")
    text = open(unit_path).read()
    settings = {}
    for line in text.splitlines():
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    assert settings["ExecReload"][-1] == "/bin/kill -HUP $MAINPID"
    assert settings["KillSignal"] == ["SIGTERM"]
    assert settings["RuntimeDirectory"] == ["shetphone"]
    assert settings["StateDirectory"] == ["shetphone"]
    assert "unix:/run/shetphone/shetphone.sock" in text, "the socket lives in the RuntimeDirectory"
    for hardening in ["NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                      "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service",
                      "CapabilityBoundingSet=\n"]:
        assert hardening in text, hardening

    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    from conftest import binary
    local = tmp_path / "shetphone.service"
    local.write_text(text.replace("/usr/local/bin/shetphone", binary()))
    out = subprocess.run(["systemd-analyze", "verify", str(local)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "", out.stderr

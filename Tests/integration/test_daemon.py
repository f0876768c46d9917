"""`serve --daemon --pid-file`: the server detaches, records its pid, and removes it on SIGTERM."""
import os
import signal
import socket
import subprocess
import time

import requests

from conftest import DEFAULT_INI, binary, make_htpasswd


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_daemon_writes_pid_file_serves_and_cleans_up(tmp_path):
    port = free_port()
    (tmp_path / "shetphone.ini").write_text(DEFAULT_INI.format(
        account_sid="AC" + "a" * 32, auth_token="t", app_sid="AP" + "b" * 32, api_key_sid="SK" + "c" * 32,
        api_key_secret="s", tmp=str(tmp_path)).replace("listen = 127.0.0.1:0", f"listen = 127.0.0.1:{port}"))
    make_htpasswd(str(tmp_path / ".htpasswd"), {"alice": "pw"})
    os.symlink(os.path.join(os.path.dirname(__file__), "..", "..", "Public"), tmp_path / "Public")
    pid_file = tmp_path / "shetphone.pid"
    log_file = tmp_path / "shetphone.log"
    launcher = subprocess.run(
        [binary(), "serve", "--config", str(tmp_path / "shetphone.ini"), "--daemon",
         "--pid-file", str(pid_file), "--log-file", str(log_file)],
        cwd=tmp_path, capture_output=True, text=True, timeout=30)
    # The command returns at once: the server lives on in the background.
    assert launcher.returncode == 0, launcher.stderr
    assert wait_for(pid_file.exists), "no pid file"
    pid = int(pid_file.read_text().strip())
    try:
        assert pid != launcher.returncode and os.kill(pid, 0) is None
        assert wait_for(lambda: _answers(port))
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["status"] == "ok"
        # A second server with the same pid file refuses to start.
        second = subprocess.run(
            [binary(), "serve", "--config", str(tmp_path / "shetphone.ini"), "--listen", "127.0.0.1:0",
             "--pid-file", str(pid_file)], cwd=tmp_path, capture_output=True, text=True, timeout=30)
        assert second.returncode != 0
        assert f"names process {pid}, which is still running" in second.stderr
    finally:
        os.kill(pid, signal.SIGTERM)
    assert wait_for(lambda: not _alive(pid)), "daemon did not stop"
    assert not pid_file.exists()
    assert "listening on 127.0.0.1:" in log_file.read_text()


def _answers(port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie of ours counts as gone.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"

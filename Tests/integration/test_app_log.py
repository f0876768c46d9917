"""Application log lines go to standard error through a writer thread: a standard error nobody
reads (a stopped `| less`, a backed-up log driver) costs dropped lines, never a stuck event loop;
once it is read again the loss is reported, and what was queued is written before exit."""
import fcntl
import os
import re
import signal
import socket
import subprocess
import threading
import time

import requests

from conftest import DEFAULT_INI, ROOT, binary
from test_http_core import read_response

F_SETPIPE_SZ = 1031
REFUSED = "login form refused (CSRF) from 127.0.0.1"
DROPPED = re.compile(r" warning shetphone: \[Web\] (\d+) log lines dropped: stderr was not being read$", re.M)
# One refused login logs one line of ~90 bytes: 5,000 are ~450 kB, well past the 4 KiB pipe and
# the writer's 256 KiB queue.
LOGINS = 5000
LOGIN = (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
         b"Content-Length: 15\r\n\r\nuser=a&password")


def start_with_stderr_pipe(tmp_path, ini):
    """`shetphone serve` with standard error into a one-page pipe; read only up to the listening
    line. Returns (process, port, read end)."""
    (tmp_path / "shetphone.ini").write_text(ini)
    os.symlink(os.path.join(ROOT, "Public"), tmp_path / "Public")
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen([binary(), "serve", "--config", str(tmp_path / "shetphone.ini")], cwd=tmp_path,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=write_end)
    os.close(write_end)
    seen = b""
    while b"listening on" not in seen:
        chunk = os.read(read_end, 1)
        assert chunk, f"the server exited before listening: {seen.decode(errors='replace')}"
        seen += chunk
    while not seen.endswith(b"\n"):
        seen += os.read(read_end, 1)
    port = int(re.search(rb"127\.0\.0\.1:(\d+)", seen.splitlines()[-1]).group(1))
    return proc, port, read_end, seen.decode()


def test_a_stderr_nobody_reads_drops_log_lines_instead_of_blocking_the_loop(tmp_path):
    ini = DEFAULT_INI.format(account_sid="AC" + "0" * 32, auth_token="t", app_sid="AP" + "0" * 32,
                             api_key_sid="SK" + "0" * 32, api_key_secret="s", tmp=tmp_path)
    ini = ini.replace("access_log = true", "access_log = false\nloops = 1")
    proc, port, read_end, before = start_with_stderr_pipe(tmp_path, ini)
    try:
        # Every refused login logs a line on the loop; nobody reads the pipe meanwhile. Written by
        # the loop itself, the ~45th line would stop it (and every answer) until the pipe is read.
        with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
            rest = b""
            for _ in range(LOGINS // 100):
                s.sendall(LOGIN * 100)
                for _ in range(100):
                    status, _, _, rest = read_response(s, rest)
                    assert status == 403
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=15).status_code == 200

        # Now read: the queued lines come out, then the count of those lost, while it still runs.
        collected = []
        reader = threading.Thread(target=read_until_closed, args=(read_end, collected), daemon=True)
        reader.start()
        deadline = time.monotonic() + 30
        while not DROPPED.search(b"".join(collected).decode(errors="replace")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        reader.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = b"".join(collected).decode(errors="replace")
    lines = (before + text).splitlines()
    refused = sum(1 for line in lines if line.endswith(REFUSED))
    reports = [int(m.group(1)) for m in map(DROPPED.search, lines) if m]
    assert reports, "no dropped-lines report"
    assert refused + sum(reports) == LOGINS, (refused, reports)
    assert refused > 0
    # Shut down cleanly: the lines after the loss, the shutdown's own lines, all written.
    assert lines[-1].endswith("shetphone: [shetphone] stopped"), lines[-3:]


def read_until_closed(fd, chunks):
    """Appends what `fd` gives to `chunks` until the other end is closed."""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)


def test_lines_logged_before_a_start_up_error_come_out_before_it(tmp_path):
    """The writer runs from before the config is read: lines queued at start-up and the error that
    ends it are all written, in order, before the process exits."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ini = DEFAULT_INI.format(account_sid="AC" + "0" * 32, auth_token="t", app_sid="AP" + "0" * 32,
                                 api_key_sid="SK" + "0" * 32, api_key_secret="s", tmp=tmp_path)
        ini = ini.replace("listen = 127.0.0.1:0", f"listen = 127.0.0.1:{port}")
        ini = ini.replace("[twilio]\n", "[twilio]\nvalidate_signatures = false\n")
        (tmp_path / "shetphone.ini").write_text(ini)
        os.symlink(os.path.join(ROOT, "Public"), tmp_path / "Public")
        done = subprocess.run([binary(), "serve", "--config", str(tmp_path / "shetphone.ini")], cwd=tmp_path,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    lines = done.stderr.splitlines()
    assert done.returncode == 1, done.stderr
    warning = [i for i, line in enumerate(lines) if "validate_signatures = false: ANYONE" in line]
    assert warning, done.stderr
    assert lines[-1].startswith("shetphone: ") and str(port) in lines[-1], lines[-1]
    assert warning[0] < len(lines) - 1

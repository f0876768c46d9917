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
# Written by the writer thread (a log line) or, on a fatal signal, by its handler (no time).
DROPPED = re.compile(r"(?: warning shetphone: \[Web\]|^shetphone:) (\d+) log lines dropped: stderr was not being read$",
                     re.M)
# One refused login logs one line of ~90 bytes: 5,000 are ~450 kB, well past the 4 KiB pipe and
# the writer's 256 KiB queue.
LOGINS = 5000
LOGIN = (b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
         b"Content-Length: 15\r\n\r\nuser=a&password")


def start_with_stderr_pipe(tmp_path, ini, env=None):
    """`shetphone serve` with standard error into a one-page pipe; read only up to the listening
    line. Returns (process, port, read end)."""
    (tmp_path / "shetphone.ini").write_text(ini)
    os.symlink(os.path.join(ROOT, "Public"), tmp_path / "Public")
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen([binary(), "serve", "--config", str(tmp_path / "shetphone.ini")], cwd=tmp_path,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=write_end,
                            env={**os.environ, **(env or {})})
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


def serving_ini(tmp_path):
    ini = DEFAULT_INI.format(account_sid="AC" + "0" * 32, auth_token="t", app_sid="AP" + "0" * 32,
                             api_key_sid="SK" + "0" * 32, api_key_secret="s", tmp=tmp_path)
    return ini.replace("access_log = true", "access_log = false\nloops = 1")


def refuse_logins(port):
    """LOGINS refused logins, each logging a line on the loop, pipelined 100 at a time; every one
    answered. Written by the loop itself, the ~45th line into a full pipe would stop it (and every
    answer) until the pipe is read."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        rest = b""
        for _ in range(LOGINS // 100):
            s.sendall(LOGIN * 100)
            for _ in range(100):
                status, _, _, rest = read_response(s, rest)
                assert status == 403


def count_lines(lines):
    """(refused-login lines written, the dropped counts reported)."""
    refused = sum(1 for line in lines if line.endswith(REFUSED))
    return refused, [int(m.group(1)) for m in map(DROPPED.search, lines) if m]


def test_a_stderr_nobody_reads_drops_log_lines_instead_of_blocking_the_loop(tmp_path):
    proc, port, read_end, before = start_with_stderr_pipe(tmp_path, serving_ini(tmp_path))
    try:
        refuse_logins(port)
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
    refused, reports = count_lines(lines)
    assert reports, "no dropped-lines report"
    assert refused + sum(reports) == LOGINS, (refused, reports)
    assert refused > 0
    # Shut down cleanly: the lines after the loss, the shutdown's own lines, all written.
    assert lines[-1].endswith("shetphone: [shetphone] stopped"), lines[-3:]


def test_a_fatal_signal_writes_the_queued_lines_before_the_process_dies(tmp_path):
    """The lines queued when a crash signal comes are written by its handler (with the count of
    those dropped), then the signal goes on to the action before it, here the default: the process
    ends. (Swift's backtracer, the action otherwise, lets a SIGABRT sent by kill pass.)"""
    proc, port, read_end, before = start_with_stderr_pipe(tmp_path, serving_ini(tmp_path),
                                                          env={"SWIFT_BACKTRACE": "enable=no"})
    collected = []
    try:
        refuse_logins(port)
        proc.send_signal(signal.SIGABRT)
        read_until_closed(read_end, collected)
        assert proc.wait(timeout=30) == -signal.SIGABRT
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = (before + b"".join(collected).decode(errors="replace")).splitlines()
    refused, reports = count_lines(lines)
    # Every line was written or counted: those still queued were not lost with the process.
    assert refused + sum(reports) == LOGINS, (refused, reports)
    assert refused > 2500 and reports, (refused, reports)  # the 256 KiB queue held ~2,850
    ours = [line for line in lines if line.endswith(REFUSED) or DROPPED.search(line)]
    assert DROPPED.search(ours[-1]), "the last lines were the ones lost, and said so"
    assert "stopped" not in "\n".join(lines[-50:]), "it did not shut down, it died"


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


def test_the_log_writer_thread_leaves_stop_and_reload_signals_to_serve(shetphone_factory):
    """`serve` takes SIGTERM, SIGINT and SIGHUP with sigwait on its main thread; the log writer,
    started before it blocks them, must block them too, or the kernel could hand it one and the
    default action would end the process without its graceful shutdown."""
    server = shetphone_factory()
    tasks = f"/proc/{server.proc.pid}/task"
    writers = [t for t in os.listdir(tasks) if open(f"{tasks}/{t}/comm").read().strip() == "log-writer"]
    assert len(writers) == 1, writers
    status = open(f"{tasks}/{writers[0]}/status").read()
    blocked = int(re.search(r"^SigBlk:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        assert blocked & (1 << (sig - 1)), f"{sig.name} is not blocked in the log writer"
    for sig in (signal.SIGSEGV, signal.SIGABRT, signal.SIGILL):
        assert not blocked & (1 << (sig - 1)), f"{sig.name} is blocked in the log writer"
    assert server.stop() == 0

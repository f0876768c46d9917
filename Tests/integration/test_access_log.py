"""The access log is buffered per loop and written by a writer thread; a clean shutdown loses no line.

Drives the real `shetphone serve` binary (`access_log = true`): pipelined and one-at-a-time
keep-alive requests, then SIGTERM right after the last answer, before any periodic flush could
run, and checks the log holds one line for every request.
"""
import re
import signal
import socket
import time

from conftest import DEFAULT_INI

REQUESTS = 600
CONNECTIONS = 4
BATCH = 25


def read_responses(sock, count):
    """Reads `count` Content-Length framed responses; returns their status codes."""
    buffer = b""
    statuses = []
    while len(statuses) < count:
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            assert chunk, f"connection closed after {len(statuses)} of {count} answers"
            buffer += chunk
        head, _, rest = buffer.partition(b"\r\n\r\n")
        statuses.append(int(head.split(b" ", 2)[1]))
        length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
        while len(rest) < length:
            chunk = sock.recv(65536)
            assert chunk, "connection closed mid-body"
            rest += chunk
        buffer = rest[length:]
    return statuses


def request(n, port):
    # Every request names itself, so each log line can be matched to exactly one request;
    # every third one asks for a file that does not exist (404 lines count too).
    path = f"/js/api.js?n={n}" if n % 3 else f"/no-such-file.js?n={n}"
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


def wait_for_exit_and_log(server, marker, timeout=30):
    server.proc.wait(timeout=timeout)
    # The pump thread reads the pipe to its end; the "stopped" line is the last thing written.
    deadline = time.time() + timeout
    while marker not in server.log() and time.time() < deadline:
        time.sleep(0.05)
    return server.log()


def test_access_log_holds_every_request_after_sigterm(shetphone_factory):
    ini = DEFAULT_INI.replace("[server]\n", "[server]\nloops = 2\n")
    server = shetphone_factory(ini=ini)
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(CONNECTIONS)]
    expected = {}
    n = 0
    try:
        while n < REQUESTS:
            for k, sock in enumerate(socks):
                # Half the connections pipeline a batch, half send one request at a time.
                batch = [request(n + i, server.port) for i in range(min(BATCH, REQUESTS - n))]
                if not batch:
                    break
                if k % 2 == 0:
                    sock.sendall(b"".join(batch))
                    statuses = read_responses(sock, len(batch))
                else:
                    statuses = []
                    for one in batch:
                        sock.sendall(one)
                        statuses += read_responses(sock, 1)
                for i, status in enumerate(statuses):
                    expected[n + i] = status
                n += len(batch)
        # At once: the loops' periodic flush (every 250 ms) has had no chance to write the last lines.
        server.proc.send_signal(signal.SIGTERM)
    finally:
        for sock in socks:
            sock.close()
    log = wait_for_exit_and_log(server, "stopped")
    assert server.proc.returncode == 0, log[-2000:]
    assert "stopped" in log, log[-2000:]

    seen = {}
    for match in re.finditer(r'127\.0\.0\.1 "GET (/\S+)\?n=(\d+) HTTP/1\.1" (\d{3}) (\d+) \d+\.\dms', log):
        number = int(match.group(2))
        seen.setdefault(number, []).append((match.group(1), int(match.group(3))))
    missing = sorted(set(expected) - set(seen))
    assert not missing, f"{len(missing)} of {REQUESTS} requests have no access log line, e.g. {missing[:10]}"
    twice = [k for k, v in seen.items() if len(v) > 1]
    assert not twice, f"requests logged more than once: {twice[:10]}"
    for number, status in expected.items():
        path, logged = seen[number][0]
        assert logged == status, f"request {number}: answered {status}, logged {logged}"
        assert path == ("/js/api.js" if number % 3 else "/no-such-file.js")
    assert {200, 404} <= set(expected.values())


def test_access_log_lines_are_whole_lines_in_the_log(shetphone_factory):
    """Each access line is one whole line shaped like the other log lines (timestamp, level, label)."""
    server = shetphone_factory()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(b"".join(request(n, server.port) for n in range(1, 3)))
    assert read_responses(sock, 2) == [200, 200]
    sock.close()
    server.proc.send_signal(signal.SIGTERM)
    log = wait_for_exit_and_log(server, "stopped")
    lines = [line for line in log.splitlines() if '"GET /js/api.js?n=' in line]
    assert len(lines) == 2, log[-2000:]
    for line in lines:
        assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} info shetphone: \[Web\] 127\.0\.0\.1 '
                            r'"GET /js/api\.js\?n=[12] HTTP/1\.1" 200 \d+ \d+\.\dms', line), line

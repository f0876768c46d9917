"""Files over the in-memory limit (1 MiB) go out with sendfile(2) from the open file: whole, as a
single Range (206, as audio and video players seek), for HEAD only the head; many downloads at
once while another client is still answered."""
import hashlib
import os
import shutil
import socket
import threading
import time

import requests

from conftest import DEFAULT_INI, ROOT
from test_http_core import read_response

SIZE = 3 * 1024 * 1024 + 123


def large_file_server(shetphone_factory, tmp_path):
    public = tmp_path / "pub"
    public.mkdir()
    shutil.copy(os.path.join(ROOT, "Public", "login.html"), public / "login.html")
    (public / "small.txt").write_text("small and cached\n")
    data = os.urandom(SIZE)
    (public / "big.bin").write_bytes(data)
    ini = DEFAULT_INI.replace("[server]\n", f"[server]\npublic_dir = {public}\nloops = 1\n")
    return shetphone_factory(ini=ini), data


def test_large_file_whole_range_and_head(shetphone_factory, tmp_path):
    server, data = large_file_server(shetphone_factory, tmp_path)
    whole = requests.get(server.url("/big.bin"), timeout=30)
    assert whole.status_code == 200
    assert int(whole.headers["Content-Length"]) == SIZE
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert hashlib.sha256(whole.content).digest() == hashlib.sha256(data).digest()

    part = requests.get(server.url("/big.bin"), headers={"Range": "bytes=1048570-2097160"}, timeout=30)
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1048570-2097160/{SIZE}"
    assert part.content == data[1048570:2097161]

    tail = requests.get(server.url("/big.bin"), headers={"Range": "bytes=-100"}, timeout=30)
    assert tail.status_code == 206 and tail.content == data[-100:]

    past = requests.get(server.url("/big.bin"), headers={"Range": f"bytes={SIZE}-"}, timeout=30)
    assert past.status_code == 416 and past.headers["Content-Range"] == f"bytes */{SIZE}"

    other_tag = requests.get(server.url("/big.bin"), headers={"Range": "bytes=0-9", "If-Range": '"other"'}, timeout=30)
    assert other_tag.status_code == 200 and len(other_tag.content) == SIZE

    revalidated = requests.get(server.url("/big.bin"), headers={"If-None-Match": whole.headers["ETag"]}, timeout=30)
    assert revalidated.status_code == 304 and revalidated.content == b""

    # HEAD then GET on one keep-alive connection: the HEAD's head says the length, no body follows.
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(b"HEAD /big.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        status, headers, body, rest = read_response(s, head_only=True)
        assert status == 200 and int(headers["content-length"]) == SIZE and body == b""
        status, headers, body, rest = read_response(s, rest)
        assert status == 200 and body == b"small and cached\n"


def test_pipelined_requests_after_a_large_file_come_back_in_order(shetphone_factory, tmp_path):
    server, data = large_file_server(shetphone_factory, tmp_path)
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n"
                  b"GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=5-14\r\n\r\n")
        status, _, body, rest = read_response(s)
        assert status == 200 and body == data
        status, _, body, rest = read_response(s, rest)
        assert status == 200 and body == b"small and cached\n"
        status, _, body, rest = read_response(s, rest)
        assert status == 206 and body == data[5:15]


def test_many_downloads_at_once_and_a_bystander_is_answered(shetphone_factory, tmp_path):
    server, data = large_file_server(shetphone_factory, tmp_path)
    digest = hashlib.sha256(data).digest()
    # 20 slow readers (small receive buffers, 1 KiB read each): the one loop holds 20 files half sent.
    downloads = []
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        downloads.append((s, s.recv(1024)))
    bystander = requests.get(server.url("/small.txt"), timeout=10)
    assert bystander.status_code == 200 and bystander.text == "small and cached\n"
    assert requests.get(server.url("/healthz"), timeout=10).status_code == 200

    # Half of them go away mid-file; the others read to the end, all at once.
    for s, _ in downloads[10:]:
        s.close()
    results = []

    def finish(s, first):
        try:
            status, _, body, _ = read_response(s, first)
            results.append(status == 200 and hashlib.sha256(body).digest() == digest)
        finally:
            s.close()

    threads = [threading.Thread(target=finish, args=download) for download in downloads[:10]]
    for t in threads:
        t.start()
    assert requests.get(server.url("/small.txt"), timeout=10).text == "small and cached\n"
    for t in threads:
        t.join(60)
    assert results == [True] * 10
    # And the server goes on: a whole download after all that.
    again = requests.get(server.url("/big.bin"), timeout=30)
    assert hashlib.sha256(again.content).digest() == digest


SLOW_SIZE = 8 * 1024 * 1024
# Bytes a second the slow reader takes: 8 MiB in about 3.4 s, of which the last ~4 MiB fit in the
# kernel's buffers, so the server waits on the reader for about 1.7 s, past the 1 s idle timeout.
SLOW_RATE = 2.5e6


def test_a_slow_reader_outlasting_the_idle_timeout_gets_the_whole_file(shetphone_factory, tmp_path):
    """The idle timeout counts from the peer's last read, not from the start of the response:
    a download that takes longer than `idle_timeout` but keeps reading is not cut off, while a
    peer that stops reading altogether is still dropped. The file is larger than the kernel's
    socket buffers can hold, so the server itself waits on the reader."""
    public = tmp_path / "pub"
    public.mkdir()
    shutil.copy(os.path.join(ROOT, "Public", "login.html"), public / "login.html")
    data = os.urandom(SLOW_SIZE)
    (public / "big.bin").write_bytes(data)
    ini = DEFAULT_INI.replace("[server]\n", f"[server]\npublic_dir = {public}\nloops = 1\nidle_timeout = 1\n")
    server = shetphone_factory(ini=ini)

    def connect():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        s.settimeout(30)
        s.connect(("127.0.0.1", server.port))
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        return s

    slow, stalled = connect(), connect()
    received = bytearray()
    started = time.monotonic()
    while True:
        chunk = slow.recv(32 * 1024)
        if not chunk:
            break
        received += chunk
        head_end = received.find(b"\r\n\r\n", 0, 4096)
        if head_end >= 0 and len(received) - head_end - 4 >= SLOW_SIZE:
            break
        # Read at a steady SLOW_RATE: the download lasts SLOW_SIZE / SLOW_RATE whatever the machine.
        time.sleep(max(0.0, started + len(received) / SLOW_RATE - time.monotonic()))
    took = time.monotonic() - started
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:100]
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest(), f"{len(body)} of {SLOW_SIZE} bytes"
    assert took > 3.0, f"the download took {took:.2f} s: the reader was not paced"
    slow.close()

    # The peer that has read nothing is dropped within two idle timeouts (the second look at its
    # kernel buffer sees that nothing moved).
    time.sleep(max(0.0, 3.5 - (time.monotonic() - started)))
    stalled.settimeout(5)
    total = 0
    while True:
        try:
            chunk = stalled.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        total += len(chunk)
    assert total < SLOW_SIZE, "a peer that never read got the whole file in its buffers: the test proves nothing"
    stalled.close()

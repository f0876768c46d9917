"""Conformance: limits (message size, compression bombs), the heartbeat, and backpressure."""
import socket
import struct
import threading
import time
import zlib

import pytest

from test_websocket_support import (  # noqa: F401 (fixtures are used by name)
    OP_BINARY, OP_CONT, OP_PING, OP_PONG, OP_TEXT, RawClient, client_factory, echo, echo_factory, encode_frame)


def test_message_at_the_limit_passes_and_one_byte_more_is_1009(echo_factory, client_factory):
    server = echo_factory("--max-message-bytes", "1000")
    client = client_factory(server.port)
    client.send(OP_BINARY, b"a" * 1000)
    assert client.recv_message() == (OP_BINARY, b"a" * 1000)
    client.send(OP_BINARY, b"a" * 1001)
    client.expect_close(1009)


def test_fragmented_message_over_the_limit_is_1009(echo_factory, client_factory):
    server = echo_factory("--max-message-bytes", "1000")
    client = client_factory(server.port)
    for _ in range(3):
        client.send(OP_TEXT if _ == 0 else OP_CONT, b"a" * 400, fin=False)
    client.expect_close(1009)


def test_huge_declared_length_is_1009_before_any_payload(echo_factory, client_factory):
    server = echo_factory("--max-message-bytes", "1000")
    client = client_factory(server.port)
    client.send_raw(bytes([0x82, 0xFF]) + struct.pack("!Q", 1 << 40) + b"\x01\x02\x03\x04")
    client.expect_close(1009, timeout=2)


def test_compression_bomb_is_1009_not_the_heap(echo_factory, client_factory):
    server = echo_factory("--max-message-bytes", str(1 << 20))
    client = client_factory(server.port, extensions="permessage-deflate")
    assert client.headers.get("sec-websocket-extensions", "").startswith("permessage-deflate")
    before = server.rss_kib()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = compressor.compress(b"\x00" * (512 << 20)) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert len(bomb) < (1 << 20)
    client.send(OP_BINARY, bomb[:-4], rsv=4)
    client.expect_close(1009)
    assert server.rss_kib() - before < 64 * 1024, "inflating the bomb must stop at the limit"


def test_idle_socket_is_pinged_and_dropped_without_answer(echo_factory, client_factory):
    server = echo_factory("--ping-interval-ms", "300")
    client = client_factory(server.port)
    start = time.time()
    frame = client.recv_frame(timeout=3)
    assert frame.opcode == OP_PING
    assert 0.2 < time.time() - start < 1.5
    # No pong: the server drops the connection about one interval later.
    client.expect_eof(timeout=3)
    assert time.time() - start < 3


def test_socket_that_answers_pings_stays_open(echo_factory, client_factory):
    server = echo_factory("--ping-interval-ms", "300")
    client = client_factory(server.port)
    pings = 0
    deadline = time.time() + 2
    while time.time() < deadline:
        try:
            frame = client.recv_frame(timeout=0.2)
        except socket.timeout:
            continue
        assert frame.opcode == OP_PING
        pings += 1
        client.send(OP_PONG, frame.payload)
    assert pings >= 2
    client.send_text("alive")
    assert client.recv_message() == (OP_TEXT, b"alive")


def test_busy_socket_is_not_pinged(echo_factory, client_factory):
    server = echo_factory("--ping-interval-ms", "500")
    client = client_factory(server.port)
    for i in range(15):
        client.send_text(f"busy {i}")
        frame = client.recv_frame()
        assert frame.opcode == OP_TEXT, "traffic counts as liveness: no ping expected"
        time.sleep(0.1)


def test_sender_that_does_not_read_is_pushed_back_by_tcp(echo_factory, client_factory):
    server = echo_factory("--max-outbound-bytes", str(1 << 20))
    hog = client_factory(server.port)
    hog.sock.settimeout(2)
    chunk = encode_frame(OP_BINARY, b"h" * 65536)
    sent = 0
    with pytest.raises(socket.timeout):
        for _ in range(2000):  # 128 MiB: far more than the kernel and the bounded queue hold
            hog.sock.sendall(chunk)
            sent += len(chunk)
    assert sent < 64 << 20
    # Everyone else is served at once.
    other = client_factory(server.port)
    start = time.time()
    other.send_text("not slowed down")
    assert other.recv_message() == (OP_TEXT, b"not slowed down")
    assert time.time() - start < 1
    assert server.rss_kib() < 200 * 1024


def test_subscriber_that_stops_reading_is_closed_and_others_get_everything(echo_factory):
    # The bound leaves room for one loop turn's worth of the fast client's own publishes: the
    # server reads up to 4 x 64 KiB of them per wake-up and delivers them after, so a bound of
    # 64 KiB could cut off the fast client too whenever this Python reader fell a turn behind.
    server = echo_factory("--bench-room", "--max-outbound-bytes", str(1 << 20), "--no-compression")
    slow = RawClient(server.port)
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    fast = RawClient(server.port)
    payload = "x" * 2000
    count = 6000  # 12 MB: more than kernel buffers plus the 1 MiB bound
    received = []

    def read_all():
        while len(received) < count:
            received.append(fast.recv_message(timeout=10)[1])
    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    start = time.time()
    fast.send_raw(b"".join(encode_frame(OP_TEXT, f"publish:{i}:{payload}".encode()) for i in range(count)))
    reader.join(60)
    assert [int(d.split(b":")[1]) for d in received] == list(range(count))
    assert time.time() - start < 30
    # The slow one was cut off: it reads what the kernels had buffered, then the connection ends.
    time.sleep(6)  # past the close timeout, for the frames that never left the queue
    slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    got = 0
    ended = False
    try:
        while True:
            frame = slow.recv_frame(timeout=8)
            if frame.opcode == 0x8:
                assert frame.close_code in (1008, 1013)
                ended = True
                break
            got += 1
    except (ConnectionError, OSError):
        ended = True
    assert ended and got < count

"""Shared pieces of the WebSocket conformance suite (test_websocket_*.py): a fixture that runs
Examples/ws-echo, and a raw RFC 6455 client that can send anything, including what a polite
library refuses to send (unmasked frames, reserved bits and opcodes, broken UTF-8, chopped writes).

The fixture builds ws-echo with `swift build --scratch-path .build-ws --product ws-echo` unless
WS_ECHO_BIN names a binary. (To be folded into conftest.py by the lead.)
"""
import base64
import hashlib
import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import zlib

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

_BINARY = None
_BUILD_LOCK = threading.Lock()


def ws_echo_binary():
    global _BINARY
    with _BUILD_LOCK:
        if _BINARY:
            return _BINARY
        explicit = os.environ.get("WS_ECHO_BIN")
        if explicit:
            _BINARY = explicit
            return _BINARY
        scratch = os.path.join(ROOT, ".build-ws")
        build = subprocess.run(["swift", "build", "--scratch-path", scratch, "--product", "ws-echo"],
                               cwd=ROOT, capture_output=True, text=True)
        if build.returncode != 0:
            pytest.fail("building ws-echo failed:\n" + build.stdout[-4000:] + build.stderr[-4000:])
        out = subprocess.run(["swift", "build", "--scratch-path", scratch, "--show-bin-path"],
                             cwd=ROOT, capture_output=True, text=True, check=True)
        _BINARY = os.path.join(out.stdout.strip(), "ws-echo")
        return _BINARY


class EchoServer:
    """A running ws-echo; `port` is the bound port."""

    def __init__(self, args):
        self.proc = subprocess.Popen([ws_echo_binary(), "--listen", "127.0.0.1:0"] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines = []
        found = threading.Event()
        self.port = 0

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line)
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
                if m and not found.is_set():
                    self.port = int(m.group(1))
                    found.set()
        threading.Thread(target=pump, daemon=True).start()
        if not found.wait(30):
            self.stop()
            raise RuntimeError("ws-echo did not start:\n" + "".join(self.lines))

    @property
    def url(self):
        return f"ws://127.0.0.1:{self.port}/ws"

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def echo_factory():
    servers = []

    def factory(*args):
        server = EchoServer(args)
        servers.append(server)
        return server
    yield factory
    for server in servers:
        server.stop()
        assert server.proc.returncode in (0, -signal.SIGTERM), "ws-echo exited badly:\n" + "".join(server.lines)


@pytest.fixture
def echo(echo_factory):
    """ws-echo with default settings (compression on, 32 MiB messages)."""
    return echo_factory()


def mask_bytes(key, data):
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def encode_frame(opcode, payload=b"", fin=True, rsv=0, mask=True, key=b"\x11\x22\x33\x44"):
    """A client frame. `rsv` is the 3-bit RSV1..RSV3 field (4 = RSV1)."""
    head = bytes([(0x80 if fin else 0) | (rsv & 7) << 4 | opcode])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if mask:
        return head + key + mask_bytes(key, payload)
    return head + payload


class Frame:
    def __init__(self, fin, rsv, opcode, payload):
        self.fin, self.rsv, self.opcode, self.payload = fin, rsv, opcode, payload

    def __repr__(self):
        return f"Frame(fin={self.fin}, rsv={self.rsv}, op={self.opcode}, {self.payload[:40]!r}{'...' if len(self.payload) > 40 else ''})"

    @property
    def close_code(self):
        return struct.unpack("!H", self.payload[:2])[0] if len(self.payload) >= 2 else None


class RawClient:
    """A WebSocket client over a plain socket. Frames are masked unless told otherwise."""

    def __init__(self, port, path="/ws", extensions=None, headers=(), timeout=5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        if extensions:
            lines.append(f"Sec-WebSocket-Extensions: {extensions}")
        lines += [f"{k}: {v}" for k, v in headers]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = self._read_until(b"\r\n\r\n")
        status_line, *fields = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {}
        for field in fields:
            if ":" in field:
                name, value = field.split(":", 1)
                self.headers[name.strip().lower()] = value.strip()
        if self.status == 101:
            expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            assert self.headers.get("sec-websocket-accept") == expected
        self.inflater = None

    def _read_until(self, marker):
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed during handshake: %r" % self.buffer)
            self.buffer += chunk
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _read_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send_raw(self, data, chop=None, delay=0.0):
        """Writes bytes, optionally in pieces of `chop` bytes with `delay` seconds between them."""
        if not chop:
            self.sock.sendall(data)
            return
        for i in range(0, len(data), chop):
            self.sock.sendall(data[i:i + chop])
            if delay:
                time.sleep(delay)

    def send(self, opcode, payload=b"", fin=True, rsv=0, mask=True, chop=None, delay=0.0):
        self.send_raw(encode_frame(opcode, payload, fin, rsv, mask), chop, delay)

    def send_text(self, text):
        self.send(OP_TEXT, text.encode() if isinstance(text, str) else text)

    def send_close(self, code=1000, reason=b""):
        self.send(OP_CLOSE, struct.pack("!H", code) + reason if code is not None else b"")

    def recv_frame(self, timeout=5.0):
        self.sock.settimeout(timeout)
        b0, b1 = self._read_exact(2)
        assert b1 & 0x80 == 0, "server frames must not be masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read_exact(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read_exact(8))[0]
        return Frame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0xF, self._read_exact(n))

    def recv_message(self, timeout=5.0, inflate_window=15, reset_inflater=True):
        """Next data message (control frames other than close are skipped, pings answered)."""
        parts, opcode, compressed = [], None, False
        while True:
            frame = self.recv_frame(timeout)
            if frame.opcode == OP_PING:
                self.send(OP_PONG, frame.payload)
                continue
            if frame.opcode == OP_PONG:
                continue
            if frame.opcode == OP_CLOSE:
                raise AssertionError(f"unexpected close {frame.close_code} {frame.payload[2:]!r}")
            if opcode is None:
                opcode, compressed = frame.opcode, bool(frame.rsv & 4)
            parts.append(frame.payload)
            if frame.fin:
                break
        data = b"".join(parts)
        if compressed:
            if self.inflater is None or reset_inflater:
                self.inflater = zlib.decompressobj(-inflate_window)
            data = self.inflater.decompress(data + b"\x00\x00\xff\xff")
        return opcode, data

    def expect_close(self, codes, timeout=5.0):
        """Reads until the server's close frame, checks its code, answers it, and expects EOF."""
        codes = codes if isinstance(codes, (list, tuple, set)) else [codes]
        deadline = time.time() + timeout
        while True:
            frame = self.recv_frame(max(0.1, deadline - time.time()))
            if frame.opcode == OP_CLOSE:
                break
        assert frame.close_code in codes, f"close code {frame.close_code} {frame.payload[2:]!r}, wanted {codes}"
        try:
            self.send(OP_CLOSE, frame.payload[:2])
        except OSError:
            pass
        self.expect_eof(timeout)
        return frame

    def expect_eof(self, timeout=5.0):
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return
                self.buffer += chunk
        except ConnectionResetError:
            return

    def expect_silence(self, seconds=0.3):
        """Nothing arrives for a while (and the connection is still open)."""
        self.sock.settimeout(seconds)
        try:
            data = self.sock.recv(1)
        except socket.timeout:
            return
        raise AssertionError(f"expected nothing, got {data!r}")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


@pytest.fixture
def client_factory():
    clients = []

    def factory(port, **kwargs):
        client = RawClient(port, **kwargs)
        clients.append(client)
        return client
    yield factory
    for client in clients:
        client.close()

"""Conformance: the opening handshake against ws-echo."""
import socket

import pytest

from test_websocket_support import (  # noqa: F401 (fixtures are used by name)
    OP_TEXT, RawClient, client_factory, echo, encode_frame, echo_factory)


def _request(port, lines):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in head[1:] if ":" in l)}
    return int(head[0].split()[1]), headers


BASE = ["GET /ws HTTP/1.1", "Host: 127.0.0.1", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]


def test_valid_handshake_is_101_with_rfc_accept(echo):
    status, headers = _request(echo.port, BASE)
    assert status == 101
    assert headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert headers["upgrade"].lower() == "websocket" and headers["connection"].lower() == "upgrade"


def test_plain_get_is_426(echo):
    status, headers = _request(echo.port, ["GET /ws HTTP/1.1", "Host: 127.0.0.1"])
    assert status == 426 and headers["upgrade"] == "websocket"


def test_version_8_is_426_naming_13(echo):
    status, headers = _request(echo.port, BASE[:-1] + ["Sec-WebSocket-Version: 8"])
    assert status == 426 and headers["sec-websocket-version"] == "13"


@pytest.mark.parametrize("key", ["", "tooshort", "dGhlIHNhbXBsZSBub25jZR==", "!!!!!!!!!!!!!!!!!!!!!!=="])
def test_bad_key_is_400(echo, key):
    status, _ = _request(echo.port, BASE[:4] + [f"Sec-WebSocket-Key: {key}", BASE[5]])
    assert status == 400


def test_post_is_405(echo):
    status, headers = _request(echo.port, ["POST /ws HTTP/1.1"] + BASE[1:] + ["Content-Length: 0"])
    assert status == 405 and headers["allow"] == "GET"


def test_frames_sent_with_the_handshake_are_read(echo):
    # The first frame rides in the same write as the upgrade request.
    with socket.create_connection(("127.0.0.1", echo.port), timeout=5) as s:
        s.sendall(("\r\n".join(BASE) + "\r\n\r\n").encode() + encode_frame(OP_TEXT, b"eager"))
        data = b""
        while b"eager" not in data:
            chunk = s.recv(4096)
            assert chunk, "closed before echoing"
            data += chunk
        assert data.endswith(b"\x81\x05eager")


def test_many_sequential_connections(echo, client_factory):
    for i in range(200):
        client = RawClient(echo.port)
        client.send_text(f"n{i}")
        assert client.recv_message() == (OP_TEXT, f"n{i}".encode())
        client.send_close(1000)
        client.expect_close(1000)
        client.close()

"""Conformance: framing, pings and pongs, reserved bits, opcodes (Autobahn sections 1-4)."""
import os

import pytest

from test_websocket_support import (  # noqa: F401 (fixtures are used by name)
    OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, client_factory, echo, echo_factory, encode_frame)


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 128, 65535, 65536, 1 << 20])
@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_message_of_every_length_class_is_echoed(echo, client_factory, opcode, length):
    client = client_factory(echo.port, extensions=None)
    payload = (b"*" if opcode == OP_TEXT else os.urandom(1)) * length
    client.send(opcode, payload)
    assert client.recv_message() == (opcode, payload)


@pytest.mark.parametrize("length", [0, 125, 126, 65536])
def test_frame_written_one_byte_at_a_time_is_echoed(echo, client_factory, length):
    client = client_factory(echo.port)
    payload = bytes(range(256)) * (length // 256) + bytes(range(length % 256))
    chop = 1 if length <= 126 else 997
    client.send(OP_BINARY, payload, chop=chop)
    assert client.recv_message() == (OP_BINARY, payload)


def test_many_messages_in_one_write_are_echoed_in_order(echo, client_factory):
    client = client_factory(echo.port)
    client.send_raw(b"".join(encode_frame(OP_TEXT, f"message {i}".encode()) for i in range(500)))
    for i in range(500):
        assert client.recv_message() == (OP_TEXT, f"message {i}".encode())


def test_server_frames_are_unmasked_and_unfragmented(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_TEXT, b"x" * 70000)
    frame = client.recv_frame()
    assert frame.fin and frame.opcode == OP_TEXT and frame.rsv == 0 and len(frame.payload) == 70000


def test_unmasked_client_frame_is_1002(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_TEXT, b"hello", mask=False)
    client.expect_close(1002)


# -- pings and pongs --------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [b"", b"hello", bytes(range(125)), b"\xff\xfe\x00binary"])
def test_ping_is_answered_with_identical_pong(echo, client_factory, payload):
    client = client_factory(echo.port)
    client.send(OP_PING, payload)
    frame = client.recv_frame()
    assert (frame.opcode, frame.payload) == (OP_PONG, payload)


def test_ping_chopped_into_single_bytes_is_answered(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_PING, b"chopped ping", chop=1)
    frame = client.recv_frame()
    assert (frame.opcode, frame.payload) == (OP_PONG, b"chopped ping")


def test_ping_with_126_bytes_is_1002(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_PING, b"x" * 126)
    client.expect_close(1002)


def test_unsolicited_pong_is_ignored(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_PONG, b"unasked")
    client.send_text("after pong")
    assert client.recv_message() == (OP_TEXT, b"after pong")


def test_ten_pings_get_ten_pongs_in_order(echo, client_factory):
    client = client_factory(echo.port)
    client.send_raw(b"".join(encode_frame(OP_PING, f"ping {i}".encode()) for i in range(10)))
    for i in range(10):
        frame = client.recv_frame()
        assert (frame.opcode, frame.payload) == (OP_PONG, f"ping {i}".encode())


# -- reserved bits -----------------------------------------------------------------------------

@pytest.mark.parametrize("rsv", [1, 2, 3, 4, 5, 6, 7])
@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY, OP_PING, OP_CLOSE])
def test_reserved_bits_without_extension_are_1002(echo, client_factory, rsv, opcode):
    # No extension negotiated: even RSV1 has no meaning.
    client = client_factory(echo.port)
    payload = b"\x03\xe8" if opcode == OP_CLOSE else b"rsv"
    client.send(opcode, payload, rsv=rsv)
    client.expect_close(1002)


def test_messages_before_a_reserved_bit_frame_are_still_echoed(echo, client_factory):
    client = client_factory(echo.port)
    client.send_raw(encode_frame(OP_TEXT, b"first") + encode_frame(OP_TEXT, b"bad", rsv=2) + encode_frame(OP_PING, b""))
    assert client.recv_message() == (OP_TEXT, b"first")
    client.expect_close(1002)


def test_rsv1_is_1002_when_compression_was_not_negotiated(echo_factory, client_factory):
    server = echo_factory("--no-compression")
    client = client_factory(server.port, extensions="permessage-deflate")
    assert "sec-websocket-extensions" not in client.headers
    client.send(OP_TEXT, b"\xf2\x48\x05\x00", rsv=4)
    client.expect_close(1002)


# -- opcodes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_reserved_opcode_is_1002(echo, client_factory, opcode):
    client = client_factory(echo.port)
    client.send_raw(encode_frame(OP_TEXT, b"before") + encode_frame(opcode, b"reserved"))
    assert client.recv_message() == (OP_TEXT, b"before")
    client.expect_close(1002)

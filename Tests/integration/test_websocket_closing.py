"""Conformance: the closing handshake (Autobahn section 7)."""
import struct

import pytest

from test_websocket_support import (  # noqa: F401 (fixtures are used by name)
    OP_CLOSE, OP_PING, OP_TEXT, client_factory, echo, encode_frame, echo_factory)

VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]
INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]


def test_close_is_answered_and_tcp_closed(echo, client_factory):
    client = client_factory(echo.port)
    client.send_close(1000, b"bye")
    frame = client.recv_frame()
    assert frame.opcode == OP_CLOSE and frame.close_code == 1000
    client.expect_eof()


def test_empty_close_is_answered_with_1000(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_CLOSE, b"")
    client.expect_close(1000)


@pytest.mark.parametrize("code", VALID_CODES)
def test_valid_close_code_is_echoed(echo, client_factory, code):
    client = client_factory(echo.port)
    client.send_close(code)
    client.expect_close(code)


@pytest.mark.parametrize("code", INVALID_CODES)
def test_invalid_close_code_is_1002(echo, client_factory, code):
    client = client_factory(echo.port)
    client.send_close(code)
    client.expect_close(1002)


def test_close_with_one_byte_payload_is_1002(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_CLOSE, b"\x03")
    client.expect_close(1002)


def test_close_with_longest_reason_is_echoed(echo, client_factory):
    client = client_factory(echo.port)
    client.send_close(1000, b"r" * 123)
    client.expect_close(1000)


def test_close_with_payload_over_125_is_1002(echo, client_factory):
    client = client_factory(echo.port)
    client.send_close(1000, b"r" * 124)
    client.expect_close(1002)


def test_close_reason_with_invalid_utf8_is_1007(echo, client_factory):
    client = client_factory(echo.port)
    client.send_close(1000, "κόσμε".encode() + b"\xed\xa0\x80")
    client.expect_close(1007)


def test_messages_after_close_are_ignored(echo, client_factory):
    client = client_factory(echo.port)
    client.send_raw(encode_frame(OP_CLOSE, struct.pack("!H", 1000)) + encode_frame(OP_TEXT, b"too late")
                    + encode_frame(OP_PING, b"too late"))
    frame = client.recv_frame()
    assert frame.opcode == OP_CLOSE and frame.close_code == 1000
    client.expect_eof()
    assert client.buffer == b"", "nothing may follow the close frame"


def test_message_before_close_is_echoed_first(echo, client_factory):
    client = client_factory(echo.port)
    client.send_raw(encode_frame(OP_TEXT, b"last words") + encode_frame(OP_CLOSE, struct.pack("!H", 1000)))
    assert client.recv_message() == (OP_TEXT, b"last words")
    client.expect_close(1000)


def test_close_in_the_middle_of_a_fragmented_message_is_answered(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_TEXT, b"unfinished", fin=False)
    client.send_close(1000)
    client.expect_close(1000)


def test_dropped_connection_does_not_hurt_the_server(echo, client_factory):
    for _ in range(20):
        client = client_factory(echo.port)
        client.send(OP_TEXT, b"half a frame" * 10)
        client.send_raw(encode_frame(OP_TEXT, b"x" * 1000)[:300])
        client.close()
    survivor = client_factory(echo.port)
    survivor.send_text("still here")
    assert survivor.recv_message() == (OP_TEXT, b"still here")

"""Conformance: fragmentation (Autobahn section 5)."""
import time

import pytest

from test_websocket_support import (  # noqa: F401 (fixtures are used by name)
    OP_BINARY, OP_CONT, OP_PING, OP_PONG, OP_TEXT, client_factory, echo, encode_frame, echo_factory)


def test_fragmented_ping_is_1002(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_PING, b"frag", fin=False)
    client.send(OP_CONT, b"ment")
    client.expect_close(1002)


def test_fragmented_pong_is_1002(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_PONG, b"frag", fin=False)
    client.expect_close(1002)


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_two_fragments_are_echoed_as_one_message(echo, client_factory, opcode):
    client = client_factory(echo.port)
    client.send(opcode, b"fragment1", fin=False)
    client.send(OP_CONT, b"fragment2")
    assert client.recv_message() == (opcode, b"fragment1fragment2")


def test_ping_between_fragments_is_answered_first(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_TEXT, b"fragment1", fin=False)
    client.send(OP_PING, b"in between")
    client.send(OP_CONT, b"fragment2")
    pong = client.recv_frame()
    assert (pong.opcode, pong.payload) == (OP_PONG, b"in between")
    assert client.recv_message() == (OP_TEXT, b"fragment1fragment2")


def test_fragments_and_pings_written_one_byte_at_a_time(echo, client_factory):
    client = client_factory(echo.port)
    data = (encode_frame(OP_TEXT, b"fragment1", fin=False) + encode_frame(OP_PING, b"p")
            + encode_frame(OP_CONT, b"fragment2"))
    client.send_raw(data, chop=1)
    pong = client.recv_frame()
    assert pong.opcode == OP_PONG
    assert client.recv_message() == (OP_TEXT, b"fragment1fragment2")


def test_fragments_sent_with_pauses_are_echoed(echo, client_factory):
    client = client_factory(echo.port)
    for i in range(5):
        client.send(OP_TEXT if i == 0 else OP_CONT, f"part{i}".encode(), fin=False)
        time.sleep(0.05)
    client.send(OP_CONT, b"end")
    assert client.recv_message() == (OP_TEXT, b"part0part1part2part3part4end")


def test_many_empty_fragments_make_an_empty_message(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_TEXT, b"", fin=False)
    for _ in range(10):
        client.send(OP_CONT, b"", fin=False)
    client.send(OP_CONT, b"")
    assert client.recv_message() == (OP_TEXT, b"")


def test_message_in_one_byte_fragments_is_echoed(echo, client_factory):
    client = client_factory(echo.port)
    text = "one byte per frame, ☃ included".encode()
    client.send_raw(b"".join(encode_frame(OP_TEXT if i == 0 else OP_CONT, text[i:i + 1], fin=i == len(text) - 1)
                             for i in range(len(text))))
    assert client.recv_message() == (OP_TEXT, text)


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_continuation_without_a_message_is_1002(echo, client_factory, opcode):
    client = client_factory(echo.port)
    client.send(OP_CONT, b"orphan", fin=False)
    client.send(opcode, b"x")
    client.expect_close(1002)


def test_final_continuation_without_a_message_is_1002(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_CONT, b"orphan")
    client.expect_close(1002)


def test_new_message_before_the_fragmented_one_ends_is_1002(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_TEXT, b"unfinished", fin=False)
    client.send(OP_TEXT, b"interloper")
    client.expect_close(1002)

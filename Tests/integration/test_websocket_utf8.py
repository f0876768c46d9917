"""Conformance: UTF-8 handling (Autobahn section 6), valid and invalid sequences split at every
byte, and failing fast on the first bad byte even inside a fragment or a frame."""
import pytest

from test_websocket_support import (  # noqa: F401 (fixtures are used by name)
    OP_CONT, OP_TEXT, client_factory, echo, encode_frame, echo_factory)

VALID = [
    b"",
    "Hello-µ@ßöäüàá-UTF-8!!".encode(),
    "κόσμε".encode(),
    b"\x00", b"\x7f", b"\xc2\x80", b"\xdf\xbf", b"\xe0\xa0\x80", b"\xed\x9f\xbf", b"\xee\x80\x80",
    b"\xef\xbf\xbd", b"\xef\xbf\xbf", b"\xf0\x90\x80\x80", b"\xf4\x8f\xbf\xbf",
    "𝄞 music, ☃ snow, 中文".encode(),
]

INVALID = [
    b"\x80", b"\xbf", b"\x80\xbf\x80",                  # lone continuation bytes
    b"\xc0\xaf", b"\xc1\xbf",                           # overlong 2-byte
    b"\xe0\x80\xaf", b"\xe0\x9f\xbf",                   # overlong 3-byte
    b"\xf0\x80\x80\xaf", b"\xf0\x8f\xbf\xbf",           # overlong 4-byte
    b"\xf8\x88\x80\x80\xaf", b"\xfc\x84\x80\x80\x80\xaf",  # 5- and 6-byte forms
    b"\xed\xa0\x80", b"\xed\xad\xbf", b"\xed\xbf\xbf",  # surrogates
    b"\xed\xa0\x80\xed\xb0\x80",                        # surrogate pair in UTF-8
    b"\xf4\x90\x80\x80", b"\xf7\xbf\xbf\xbf",           # past U+10FFFF
    b"\xfe", b"\xff", b"\xfe\xfe\xff\xff",
    b"\xc2", b"\xe0\xa0", b"\xf0\x90\x80",              # truncated at the end
    b"\xc2\x41", b"\xe2\x82\x41",                       # truncated by ASCII
    "κόσμε".encode() + b"\xed\xa0\x80edited",
]


def _label(data):
    return data[:12].hex() or "empty"


@pytest.mark.parametrize("payload", VALID, ids=_label)
def test_valid_text_is_echoed_whole_fragmented_and_chopped(echo, client_factory, payload):
    client = client_factory(echo.port)
    client.send(OP_TEXT, payload)
    assert client.recv_message() == (OP_TEXT, payload)
    # One byte per fragment.
    if payload:
        client.send_raw(b"".join(encode_frame(OP_TEXT if i == 0 else OP_CONT, payload[i:i + 1], fin=i == len(payload) - 1)
                                 for i in range(len(payload))))
        assert client.recv_message() == (OP_TEXT, payload)
    # One frame written one byte at a time.
    client.send(OP_TEXT, payload, chop=1)
    assert client.recv_message() == (OP_TEXT, payload)


@pytest.mark.parametrize("payload", VALID[1:], ids=_label)
def test_valid_text_split_into_two_fragments_at_every_byte_is_echoed(echo, client_factory, payload):
    client = client_factory(echo.port)
    for split in range(len(payload) + 1):
        client.send_raw(encode_frame(OP_TEXT, payload[:split], fin=False) + encode_frame(OP_CONT, payload[split:]))
        assert client.recv_message() == (OP_TEXT, payload), f"split at {split}"


@pytest.mark.parametrize("payload", INVALID, ids=_label)
def test_invalid_text_in_one_frame_is_1007(echo, client_factory, payload):
    client = client_factory(echo.port)
    client.send(OP_TEXT, payload)
    client.expect_close(1007)


@pytest.mark.parametrize("payload", INVALID, ids=_label)
def test_invalid_text_split_into_two_fragments_at_every_byte_is_1007(echo, client_factory, payload):
    for split in range(len(payload) + 1):
        client = client_factory(echo.port)
        client.send_raw(encode_frame(OP_TEXT, payload[:split], fin=False) + encode_frame(OP_CONT, payload[split:]))
        client.expect_close(1007)


@pytest.mark.parametrize("payload", INVALID, ids=_label)
def test_invalid_text_chopped_into_single_byte_writes_is_1007(echo, client_factory, payload):
    client = client_factory(echo.port)
    client.send(OP_TEXT, payload, chop=1)
    client.expect_close(1007)


def test_bad_byte_in_first_fragment_fails_before_the_message_ends(echo, client_factory):
    client = client_factory(echo.port)
    client.send(OP_TEXT, "κόσμε".encode() + b"\xed\xa0\x80", fin=False)
    # The rest of the message is never sent: the close must come anyway.
    client.expect_close(1007, timeout=2)


def test_bad_byte_inside_a_frame_fails_before_the_frame_ends(echo, client_factory):
    client = client_factory(echo.port)
    frame = encode_frame(OP_TEXT, b"valid start " + b"\xf4\x90\x80\x80" + b"a" * 1000)
    # Header (8 bytes with the 16-bit length and key) plus the bytes up to the bad sequence.
    client.send_raw(frame[:8 + 12 + 2])
    client.expect_close(1007, timeout=2)


def test_invalid_text_after_valid_messages_only_fails_the_last(echo, client_factory):
    client = client_factory(echo.port)
    client.send_raw(encode_frame(OP_TEXT, b"good") + encode_frame(OP_TEXT, b"\xc0\x80"))
    assert client.recv_message() == (OP_TEXT, b"good")
    client.expect_close(1007)

"""Conformance: permessage-deflate (Autobahn sections 12 and 13) against ws-echo."""
import asyncio
import os
import random
import zlib

import pytest
import websockets

from test_websocket_support import (  # noqa: F401 (fixtures are used by name)
    OP_BINARY, OP_CONT, OP_TEXT, client_factory, echo, echo_factory)


def _messages(count, seed=1):
    rng = random.Random(seed)
    words = [b"status", b"ringing", b"in-progress", b"completed", b"+442079460174", b"alice", b"{", b"}", b":"]
    out = []
    for i in range(count):
        size = rng.choice([0, 1, 16, 64, 256, 1024, 4096, 65536])
        text = b" ".join(rng.choice(words) for _ in range(size // 6 + 1))[:size]
        out.append(text)
    return out


async def _echo_with_library(url, messages, compression="deflate"):
    async with websockets.connect(url, compression=compression, max_size=None) as ws:
        extensions = ws.response.headers.get("Sec-WebSocket-Extensions")
        for message in messages:
            await ws.send(message.decode())
            assert (await ws.recv()).encode() == message
        return extensions


def test_library_client_with_compression_gets_everything_back(echo):
    extensions = asyncio.run(_echo_with_library(echo.url, _messages(300)))
    assert extensions == "permessage-deflate; server_no_context_takeover; client_no_context_takeover"


def test_context_takeover_both_ways_when_the_server_allows_it(echo_factory):
    server = echo_factory("--context-takeover")
    extensions = asyncio.run(_echo_with_library(server.url, _messages(300, seed=2)))
    assert extensions == "permessage-deflate"


def test_library_client_without_compression(echo):
    assert asyncio.run(_echo_with_library(echo.url, _messages(50), compression=None)) is None


def _raw_compress(data, window=15):
    compressor = zlib.compressobj(6, zlib.DEFLATED, -window)
    out = compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(b"\x00\x00\xff\xff")
    return out[:-4]


@pytest.mark.parametrize("bits", list(range(8, 16)))
def test_server_window_bits_request_is_honoured(echo, client_factory, bits):
    client = client_factory(echo.port, extensions=f"permessage-deflate; server_max_window_bits={bits}")
    assert f"server_max_window_bits={bits}" in client.headers["sec-websocket-extensions"]
    # A message with repeats far apart: the server's window must not reach past 2^bits bytes.
    rng = random.Random(bits)
    block = bytes(rng.getrandbits(8) % 26 + 97 for _ in range(300))
    message = (block + os.urandom(200).hex().encode()) * 50
    client.send(OP_BINARY, _raw_compress(message), rsv=4)
    opcode, data = client.recv_message(inflate_window=bits)
    assert (opcode, data) == (OP_BINARY, message)


@pytest.mark.parametrize("bits", [8, 9, 12, 15])
def test_client_window_bits_offer_is_accepted(echo, client_factory, bits):
    client = client_factory(echo.port, extensions=f"permessage-deflate; client_max_window_bits={bits}")
    assert f"client_max_window_bits={bits}" in client.headers["sec-websocket-extensions"]
    message = b"client window test " * 400
    client.send(OP_TEXT, _raw_compress(message, window=max(9, bits)), rsv=4)
    assert client.recv_message() == (OP_TEXT, message)


def test_first_acceptable_of_several_offers_is_taken(echo, client_factory):
    client = client_factory(echo.port, extensions="permessage-deflate; server_max_window_bits=7, "
                                                   "permessage-deflate; server_max_window_bits=10")
    assert "server_max_window_bits=10" in client.headers["sec-websocket-extensions"]


def test_invalid_only_offer_upgrades_without_compression(echo, client_factory):
    client = client_factory(echo.port, extensions="permessage-deflate; unknown_parameter")
    assert client.status == 101
    assert "sec-websocket-extensions" not in client.headers
    client.send_text("plain")
    assert client.recv_message() == (OP_TEXT, b"plain")


def test_compressed_message_in_fragments_is_echoed(echo, client_factory):
    client = client_factory(echo.port, extensions="permessage-deflate")
    message = "fragmented ☃ compressed ".encode() * 200
    compressed = _raw_compress(message)
    third = len(compressed) // 3
    client.send(OP_TEXT, compressed[:third], fin=False, rsv=4)
    client.send(OP_CONT, compressed[third:2 * third], fin=False)
    client.send(OP_CONT, compressed[2 * third:])
    assert client.recv_message() == (OP_TEXT, message)


def test_server_compresses_what_is_worth_compressing(echo, client_factory):
    client = client_factory(echo.port, extensions="permessage-deflate")
    client.send_text("compress me " * 100)
    frame = client.recv_frame()
    assert frame.rsv == 4 and len(frame.payload) < 200
    client.send_text("tiny")
    frame = client.recv_frame()
    assert frame.rsv == 0 and frame.payload == b"tiny"


def test_rsv1_on_continuation_is_1002(echo, client_factory):
    client = client_factory(echo.port, extensions="permessage-deflate")
    compressed = _raw_compress(b"abc" * 50)
    client.send(OP_TEXT, compressed[:5], fin=False, rsv=4)
    client.send(OP_CONT, compressed[5:], rsv=4)
    client.expect_close(1002)


def test_invalid_deflate_data_is_1007(echo, client_factory):
    client = client_factory(echo.port, extensions="permessage-deflate")
    client.send(OP_BINARY, b"\xff\xff\xff\xff", rsv=4)
    client.expect_close(1007)


def test_invalid_utf8_inside_compressed_text_is_1007(echo, client_factory):
    client = client_factory(echo.port, extensions="permessage-deflate")
    client.send(OP_TEXT, _raw_compress(b"valid then " + b"\xed\xa0\x80"), rsv=4)
    client.expect_close(1007)

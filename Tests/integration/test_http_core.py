"""The HTTP/1.1 server core, driven over real sockets against the built `shetphone` binary."""
import gzip
import os
import shutil
import signal
import socket
import threading
import time

import pytest
import requests

from conftest import DEFAULT_INI, ROOT, raw_request

NO_SIGNATURES_INI = DEFAULT_INI.replace("[twilio]\n", "[twilio]\nvalidate_signatures = false\n")
VOICE_BODY = b"From=client%3Aalice&To=%2B442079460999&CallSid=CA1"


def read_response(sock, buffer=b"", head_only=False):
    """One response from sock (Content-Length framing; no body when `head_only`, as for HEAD):
    (status, lower-cased headers, body, bytes read past it)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(f"connection closed after {buffer[:200]!r}")
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    length = 0 if head_only else int(headers.get("content-length", "0"))
    chunks = [rest]
    have = len(rest)
    while have < length:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise EOFError(f"connection closed after {have} of {length} body bytes")
        chunks.append(chunk)
        have += len(chunk)
    data = b"".join(chunks)
    return int(lines[0].split(" ")[1]), headers, data[:length], data[length:]


@pytest.fixture
def server(shetphone_factory):
    return shetphone_factory(ini=NO_SIGNATURES_INI.replace("access_log = true", "access_log = false"))


def test_pipelined_requests_are_answered_in_order(server):
    requests_ = b"".join(
        f"GET /healthz?n={i} HTTP/1.1\r\nHost: x\r\n\r\n".encode() if i % 2 == 0 else
        b"GET /does-not-exist HTTP/1.1\r\nHost: x\r\n\r\n" for i in range(20))
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(requests_)
        rest = b""
        statuses = []
        for _ in range(20):
            status, _, _, rest = read_response(s, rest)
            statuses.append(status)
    assert statuses == [200 if i % 2 == 0 else 404 for i in range(20)]


def test_chunked_upload_body_reaches_the_route(server):
    body = VOICE_BODY
    chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7))
    req = (b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunks + b"0\r\nX-Trailer: y\r\n\r\n")
    response = raw_request(server.port, req)
    assert response.startswith(b"HTTP/1.1 200"), response
    assert b"+442079460999</Number>" in response


def test_chunked_upload_split_across_many_writes(server):
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n")
        payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(VOICE_BODY), VOICE_BODY)
        for byte in payload:
            s.sendall(bytes([byte]))
        status, headers, body, _ = read_response(s)
    assert status == 200
    assert b"+442079460999" in body


def test_expect_100_continue_gets_interim_response(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(VOICE_BODY))
        interim = s.recv(1024)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        s.sendall(VOICE_BODY)
        status, _, body, _ = read_response(s, interim[len(b"HTTP/1.1 100 Continue\r\n\r\n"):])
    assert status == 200 and b"<Dial" in body


@pytest.mark.parametrize("name,request_bytes,status", [
    ("content-length and transfer-encoding",
     b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("differing duplicate content-length",
     b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", 400),
    ("content-length list that differs",
     b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 5\r\n\r\nabcde", 400),
    ("bad chunk size", b"POST /voice HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n", 400),
    ("chunk without CRLF after data",
     b"POST /voice HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY0\r\n\r\n", 400),
    ("obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n", 400),
    ("space before colon", b"GET / HTTP/1.1\r\nHost: x\r\nX-A : a\r\n\r\n", 400),
    ("control byte in value", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n", 400),
    ("NUL in value", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
    ("missing host", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("two hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("unknown transfer coding", b"POST /voice HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
    ("chunked not last", b"POST /voice HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501),
    ("transfer-encoding in HTTP/1.0", b"POST /voice HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("overlong request line", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("too many headers", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(150)) + b"\r\n", 431),
    ("header section too large", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 17000 + b"\r\n\r\n", 431),
    ("body over the limit", b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
    ("chunked body over the limit",
     b"POST /voice HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n" + b"a" * 2100000, 413),
    ("HTTP/2 version", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 400),
    ("bad escape in path", b"GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
])
def test_malformed_request_gets_status_and_connection_closes(server, name, request_bytes, status):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        try:
            s.sendall(request_bytes + b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    assert data.startswith(b"HTTP/1.1 %d " % status), (name, data[:200])
    assert b"connection: close" in data.lower()
    # Exactly one response: the smuggled follow-up request was never answered.
    assert b"HTTP/1.1 200" not in data, (name, data)
    # The server goes on serving everyone else.
    assert requests.get(server.url("/healthz"), timeout=5).status_code == 200


def test_slowloris_client_is_cut_off_at_the_header_timeout(shetphone_factory):
    server = shetphone_factory(ini=NO_SIGNATURES_INI.replace("[server]\n", "[server]\nheader_timeout = 2\n"))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        start = time.time()
        s.sendall(b"GET / HTTP/1.1\r\n")
        closed_at = None
        data = b""
        for i in range(20):
            try:
                s.sendall(b"X-Slow-%d: a\r\n" % i)
            except (BrokenPipeError, ConnectionResetError):
                closed_at = time.time()
                break
            try:
                s.settimeout(0.5)
                chunk = s.recv(4096)
                if chunk:
                    data += chunk
                else:
                    closed_at = time.time()
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed_at = time.time()
                break
    assert closed_at is not None, "server never closed the slow connection"
    assert 1.5 <= closed_at - start <= 5, closed_at - start
    assert data == b"" or data.startswith(b"HTTP/1.1 408")
    assert requests.get(server.url("/healthz"), timeout=5).status_code == 200


def test_ten_thousand_keep_alive_requests_on_one_connection(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        rest = b""
        batch = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" * 100
        count = 0
        for _ in range(100):
            s.sendall(batch)
            for _ in range(100):
                status, _, _, rest = read_response(s, rest)
                assert status == 200
                count += 1
    assert count == 10_000


def test_http10_closes_unless_keep_alive(server):
    response = raw_request(server.port, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert response.startswith(b"HTTP/1.0 200")
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, _, _ = read_response(s)
        assert status == 200 and headers.get("connection") == "keep-alive"
        s.sendall(b"GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, _, _, _ = read_response(s)
        assert status == 200


def test_head_has_length_but_no_body(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while data.count(b"HTTP/1.1 200") < 2 or not data.endswith(b"}"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    first, _, rest = data.partition(b"\r\n\r\n")
    assert b"Content-Length: " in first and int(first.split(b"Content-Length: ")[1].split(b"\r\n")[0]) > 0
    assert rest.startswith(b"HTTP/1.1 200"), rest[:100]


def test_connection_close_is_honoured(server):
    response = raw_request(server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 200") and b"Connection: close" in response


def test_unix_socket_with_mode(shetphone_factory, tmp_path):
    path = str(tmp_path / "s.sock")
    ini = NO_SIGNATURES_INI.replace("listen = 127.0.0.1:0", f"listen = 127.0.0.1:0 unix:{path}\nsocket_mode = 0660")
    shetphone_factory(ini=ini)
    assert oct(os.stat(path).st_mode & 0o777) == "0o660"
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n")
        data = s.recv(4096)
    assert data.startswith(b"HTTP/1.1 200")


def test_ipv6_listener(shetphone_factory):
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("no ::1 on this machine")
    server = shetphone_factory(ini=NO_SIGNATURES_INI, extra_args=["--listen", "[::1]:0", "--listen", "127.0.0.1:0"])
    line = [l for l in server.log().splitlines() if "listening on" in l][0]
    port6 = int(line.split("[::1]:")[1].split()[0])
    with socket.create_connection(("::1", port6), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 200")


def test_sigterm_answers_requests_in_flight_then_exits_zero(server):
    results = []

    def slow_upload(i):
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
                head = (b"POST /voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(VOICE_BODY))
                s.sendall(head + VOICE_BODY[:10])
                time.sleep(1.0)
                s.sendall(VOICE_BODY[10:])
                status, headers, body, _ = read_response(s)
                results.append((status, headers.get("connection"), b"<Dial" in body))
        except Exception as error:  # noqa: BLE001 - recorded and asserted below
            results.append(("error", repr(error), False))

    idle = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    threads = [threading.Thread(target=slow_upload, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(0.4)
    server.proc.send_signal(signal.SIGTERM)
    for t in threads:
        t.join()
    assert server.proc.wait(timeout=15) == 0
    assert results == [(200, "close", True)] * 8, results
    # The idle keep-alive connection was closed, not left hanging.
    idle.settimeout(5)
    assert idle.recv(10) == b""
    idle.close()


def test_static_file_etag_and_last_modified_give_304(server):
    first = requests.get(server.url("/index.html"), timeout=5)
    assert first.status_code == 200
    assert first.headers["Content-Type"].startswith("text/html")
    etag = first.headers["ETag"]
    modified = first.headers["Last-Modified"]
    again = requests.get(server.url("/index.html"), headers={"If-None-Match": etag}, timeout=5)
    assert again.status_code == 304 and again.content == b""
    since = requests.get(server.url("/index.html"), headers={"If-Modified-Since": modified}, timeout=5)
    assert since.status_code == 304
    stale = requests.get(server.url("/index.html"), headers={"If-None-Match": '"other"'}, timeout=5)
    assert stale.status_code == 200


def test_static_text_is_gzipped_when_accepted(server):
    raw = raw_request(server.port, b"GET /app.css HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert b"Content-Encoding: gzip" in head
    assert b"Vary: Accept-Encoding" in head
    plain = requests.get(server.url("/app.css"), headers={"Accept-Encoding": "identity"}, timeout=5)
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(body) == plain.content


def get_static(port, path, *fields, method="GET"):
    """One raw request on its own connection: (status, lower-cased headers, body bytes as sent)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: x", *fields, "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall("\r\n".join(lines).encode())
        status, headers, body, _ = read_response(s, head_only=method == "HEAD")
        return status, headers, body


def test_cached_static_file_answers_a_single_range(server):
    """A small file is served from memory; a Range is cut from those bytes as for large files."""
    status, headers, whole = get_static(server.port, "/app.css", "Accept-Encoding: identity")
    assert status == 200 and headers["accept-ranges"] == "bytes" and len(whole) > 200
    size, etag = len(whole), headers["etag"]

    status, headers, body = get_static(server.port, "/app.css", "Range: bytes=10-99")
    assert status == 206 and headers["content-range"] == f"bytes 10-99/{size}"
    assert body == whole[10:100] and headers["etag"] == etag and "content-encoding" not in headers
    status, headers, body = get_static(server.port, "/app.css", "Range: bytes=-50", f"If-Range: {etag}")
    assert status == 206 and body == whole[-50:]
    status, headers, body = get_static(server.port, "/app.css", "Range: bytes=10-99", method="HEAD")
    assert status == 206 and headers["content-length"] == "90" and body == b""

    status, headers, body = get_static(server.port, "/app.css", f"Range: bytes={size}-")
    assert status == 416 and headers["content-range"] == f"bytes */{size}" and body == b""
    # Another validator in If-Range, several ranges: the whole file, 200.
    for fields in (["Range: bytes=0-9", 'If-Range: "other"'], ["Range: bytes=0-9,20-29"]):
        status, headers, body = get_static(server.port, "/app.css", *fields)
        assert status == 200 and body == whole, fields
        assert headers["accept-ranges"] == "bytes"


def test_range_of_a_gzipped_static_file_cuts_the_gzip_bytes(server):
    """Ranges apply to the representation sent: a download of the gzip form resumed with its tag
    in If-Range gets the rest of the same gzip bytes."""
    status, headers, packed = get_static(server.port, "/app.css", "Accept-Encoding: gzip")
    assert status == 200 and headers["content-encoding"] == "gzip"
    size, etag = len(packed), headers["etag"]
    status, headers, first = get_static(server.port, "/app.css", "Accept-Encoding: gzip", "Range: bytes=0-99",
                                        f"If-Range: {etag}")
    assert status == 206 and headers["content-encoding"] == "gzip"
    assert headers["content-range"] == f"bytes 0-99/{size}"
    status, headers, rest = get_static(server.port, "/app.css", "Accept-Encoding: gzip", "Range: bytes=100-",
                                       f"If-Range: {etag}")
    assert status == 206 and headers["content-range"] == f"bytes 100-{size - 1}/{size}"
    assert first + rest == packed
    plain = requests.get(server.url("/app.css"), headers={"Accept-Encoding": "identity"}, timeout=5).content
    assert gzip.decompress(first + rest) == plain


@pytest.mark.parametrize("path", [
    "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/js/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc%2fpasswd", "/%2E%2E/etc/passwd", "/js/..%5c..%5cetc/passwd",
])
def test_static_files_do_not_escape_public(server, path):
    response = raw_request(server.port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert response.split(b" ")[1] in (b"400", b"404"), response[:100]
    assert b"root:" not in response


def test_symlink_out_of_public_is_not_served(shetphone_factory, tmp_path):
    public = tmp_path / "pub"
    public.mkdir()
    (public / "index.html").write_text("<p>hello</p>")
    shutil.copy(os.path.join(ROOT, "Public", "login.html"), public / "login.html")
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    os.symlink(secret, public / "leak.txt")
    ini = NO_SIGNATURES_INI.replace("[server]\n", f"[server]\npublic_dir = {public}\n")
    server = shetphone_factory(ini=ini)
    assert requests.get(server.url("/index.html"), timeout=5).text == "<p>hello</p>"
    leak = requests.get(server.url("/leak.txt"), timeout=5)
    assert leak.status_code == 404 and "top secret" not in leak.text


def test_method_not_allowed_lists_allow(server):
    response = requests.delete(server.url("/healthz"), timeout=5)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_check_config_names_file_and_line(tmp_path):
    from conftest import binary
    import subprocess
    bad = tmp_path / "bad.ini"
    bad.write_text("[server]\nlisten = 127.0.0.1:8080\nloops = many\n")
    out = subprocess.run([binary(), "check-config", str(bad)], capture_output=True, text=True)
    assert out.returncode != 0
    assert f"{bad}:3: [server] loops" in out.stderr


def test_running_out_of_file_descriptors_pauses_accepting_instead_of_spinning(shetphone_factory):
    server = shetphone_factory(ini=NO_SIGNATURES_INI.replace("access_log = true", "access_log = false"),
                               command_prefix=["prlimit", "--nofile=48:48", "--"])
    held = []
    try:
        for _ in range(80):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            held.append(s)
        time.sleep(1.0)
        with open(f"/proc/{server.proc.pid}/stat") as f:
            fields = f.read().split(")")[1].split()
        cpu_before = int(fields[11]) + int(fields[12])
        time.sleep(1.0)
        with open(f"/proc/{server.proc.pid}/stat") as f:
            fields = f.read().split(")")[1].split()
        cpu_after = int(fields[11]) + int(fields[12])
        # Clock ticks are 1/100 s: a spinning accept loop would burn ~100 per second.
        assert cpu_after - cpu_before < 30, cpu_after - cpu_before
    finally:
        for s in held:
            s.close()
    time.sleep(0.6)
    assert requests.get(server.url("/healthz"), timeout=5).status_code == 200
    assert "out of file descriptors" in server.log()

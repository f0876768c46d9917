"""A fake of Twilio's REST API (2010-04-01) over real HTTPS, for tests only.

It speaks the documented paths, HTTP Basic auth (account SID + auth token, or an API key SID +
secret) and JSON shapes for the resources Shetphone uses: the Account, Recordings (metadata,
.mp3/.wav media, DELETE), Calls (fetch one), Messages, IncomingPhoneNumbers, Applications and Keys. Errors come back
as Twilio sends them: {"code": 20404, "message": ..., "more_info": ..., "status": 404}.

The certificate is a throw-away one made with `openssl` at test time (`make_certificate`); the
client under test is told to trust it. Switches for faults: `hang` (accept, then never answer),
`fail_next` (a list of statuses to answer before behaving), `redirect_media` (answer media with a
302 to a second URL, as Twilio does).
"""
import base64
import http.server
import json
import os
import re
import socketserver
import ssl
import subprocess
import threading
import time

API = "/2010-04-01/Accounts/"


def make_certificate(folder, name="fake-twilio", hosts=("127.0.0.1",)):
    """Writes a self-signed certificate + key for `hosts` into `folder`; returns (cert, key) paths."""
    cert = os.path.join(folder, f"{name}.crt")
    key = os.path.join(folder, f"{name}.key")
    san = ",".join(("IP:" if re.match(r"^[0-9.]+$", h) else "DNS:") + h for h in hosts)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", f"/CN={hosts[0]}", "-addext", f"subjectAltName={san}",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def twilio_error(status, code, message):
    return status, {"code": code, "message": message,
                    "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


class FakeTwilioAPI:
    def __init__(self, account_sid, auth_token, cert, key, api_key=None):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.api_key = api_key  # (sid, secret) or None
        self.recordings = {}    # sid -> {"audio": bytes, "duration": int, "call_sid": str}
        self.messages = []
        self.calls = {}         # CA sid -> dict in the Call resource's shape (see add_call)
        self.numbers = {}       # PN sid -> dict
        self.applications = {}  # AP sid -> dict
        self.keys = {}
        self.requests = []      # (method, path, authorized, connection number)
        self.hang = False
        self.fail_next = []     # statuses to answer first, e.g. [503, 429]
        self.retry_after = None
        self.redirect_media = False
        self.message_errors = []  # (status, code, message) to answer the next Messages.json POSTs
        self.message_media = {}   # (MM sid, ME sid) -> (content type, bytes)
        self.hold_media = None    # a threading.Event: media answers wait for it (at most 30 s)
        self.media_waiting = 0    # media requests waiting on hold_media now
        self.cut_handshakes = 0   # close this many new connections before the TLS handshake
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._connections = 0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with fake._lock:
                    fake._connections += 1
                    self.connection_number = fake._connections

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

            def do_DELETE(self):
                fake._handle(self, "DELETE")

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

            def get_request(self):
                # TLS per accepted connection, so a test can cut handshakes short (as a busy
                # or restarting peer does): the client sees the connection close mid-handshake.
                sock, address = self.socket.accept()
                with fake._lock:
                    cut = fake.cut_handshakes > 0
                    if cut:
                        fake.cut_handshakes -= 1
                if cut:
                    sock.close()
                    raise OSError("handshake cut by the test")
                return context.wrap_socket(sock, server_side=True), address

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base_url = f"https://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_recording(self, sid, audio, duration=7, call_sid="CA" + "1" * 32):
        self.recordings[sid] = {"audio": audio, "duration": duration, "call_sid": call_sid}

    def connections_used(self, path_fragment=""):
        return {r[3] for r in self.requests if path_fragment in r[1]}

    # -- request handling ------------------------------------------------------------------

    def _authorized(self, header):
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except Exception:
            return False
        if (user, password) == (self.account_sid, self.auth_token):
            return True
        return self.api_key is not None and (user, password) == self.api_key

    def _handle(self, h, method):
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        path = h.path.split("?", 1)[0]
        authorized = self._authorized(h.headers.get("Authorization"))
        with self._lock:
            self.requests.append((method, path, authorized, h.connection_number))
        if self.hang:
            self._stop.wait(120)
            h.close_connection = True
            return
        if path.startswith("/media/"):
            return self._media_blob(h, path)
        if self.fail_next:
            status = self.fail_next.pop(0)
            headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
            return self._json(h, *twilio_error(status, 20500 if status >= 500 else 20429,
                                                "Service unavailable" if status >= 500 else "Too Many Requests"),
                              headers=headers)
        if not authorized:
            return self._json(h, *twilio_error(401, 20003, "Authenticate"),
                              headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})
        prefix = API + self.account_sid
        if not path.startswith(prefix):
            return self._json(h, *twilio_error(404, 20404, f"The requested resource {path} was not found"))
        rest = path[len(prefix):]
        form = {}
        if body:
            from urllib.parse import parse_qs
            form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        route = self._route(method, rest, form, h)
        if route is None:
            return self._json(h, *twilio_error(404, 20404, f"The requested resource {path} was not found"))

    def _route(self, method, rest, form, h):
        if rest == ".json" and method == "GET":
            return self._json(h, 200, {"sid": self.account_sid, "friendly_name": "Fake account",
                                       "status": "active", "type": "Full"})
        m = re.fullmatch(r"/Recordings/(RE[0-9a-fA-F]{32})\.(json|mp3|wav)", rest)
        if m:
            sid, ext = m.groups()
            recording = self.recordings.get(sid)
            if recording is None:
                return self._json(h, *twilio_error(404, 20404, f"The requested resource {h.path} was not found"))
            if method == "DELETE" and ext == "json":
                del self.recordings[sid]
                return self._empty(h, 204)
            if method != "GET":
                return None
            if ext == "json":
                return self._json(h, 200, {
                    "sid": sid, "account_sid": self.account_sid, "call_sid": recording["call_sid"],
                    "duration": str(recording["duration"]), "status": "completed", "channels": 1,
                    "source": "RecordVerb", "media_url": f"{self.base_url}{API}{self.account_sid}/Recordings/{sid}",
                    "uri": f"{API}{self.account_sid}/Recordings/{sid}.json"})
            if self.redirect_media:
                return self._empty(h, 302, {"Location": f"{self.base_url}/media/{sid}.{ext}"})
            return self._audio(h, recording["audio"], ext)
        m = re.fullmatch(r"/Calls/(CA[0-9a-fA-F]{32})\.json", rest)
        if m and method == "GET":
            call = self.calls.get(m.group(1))
            if call is None:
                return self._json(h, *twilio_error(404, 20404, f"The requested resource {h.path} was not found"))
            return self._json(h, 200, call)
        m = re.fullmatch(r"/Messages/((?:MM|SM)[0-9a-fA-F]{32})/Media/(ME[0-9a-fA-F]{32})", rest)
        if m and method == "GET":
            media = self.message_media.get(m.groups())
            if media is None:
                return self._json(h, *twilio_error(404, 20404, f"The requested resource {h.path} was not found"))
            data = media[1]
            hold = self.hold_media
            if hold is not None:
                with self._lock:
                    self.media_waiting += 1
                hold.wait(30)
                with self._lock:
                    self.media_waiting -= 1
            h.send_response(200)
            h.send_header("Content-Type", media[0])
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data)
            return True
        if rest == "/Messages.json" and method == "POST" and self.message_errors:
            return self._json(h, *twilio_error(*self.message_errors.pop(0)))
        if rest == "/Messages.json" and method == "POST":
            for field in ("To", "From", "Body"):
                if not form.get(field):
                    return self._json(h, *twilio_error(400, 21604 if field == "To" else 21603,
                                                        f"A '{field}' parameter is required."))
            sid = "SM" + os.urandom(16).hex()
            message = {"sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form["From"],
                       "body": form["Body"], "status": "queued", "direction": "outbound-api", "num_segments": "1",
                       "uri": f"{API}{self.account_sid}/Messages/{sid}.json"}
            self.messages.append({**message, "status_callback": form.get("StatusCallback")})
            return self._json(h, 201, message)
        if rest == "/IncomingPhoneNumbers.json" and method == "GET":
            return self._json(h, 200, {"incoming_phone_numbers": list(self.numbers.values()), "page": 0,
                                       "page_size": 50, "next_page_uri": None})
        m = re.fullmatch(r"/IncomingPhoneNumbers/(PN[0-9a-fA-F]{32})\.json", rest)
        if m and method == "POST":
            number = self.numbers.get(m.group(1))
            if number is None:
                return None
            for field, key in (("VoiceUrl", "voice_url"), ("SmsUrl", "sms_url"), ("VoiceApplicationSid", "voice_application_sid"),
                               ("StatusCallback", "status_callback")):
                if field in form:
                    number[key] = form[field]
            return self._json(h, 200, number)
        if rest == "/Applications.json" and method in ("GET", "POST"):
            if method == "GET":
                return self._json(h, 200, {"applications": list(self.applications.values()), "page": 0})
            sid = "AP" + os.urandom(16).hex()
            app = {"sid": sid, "friendly_name": form.get("FriendlyName", ""), "voice_url": form.get("VoiceUrl"),
                   "voice_method": form.get("VoiceMethod", "POST"), "status_callback": form.get("StatusCallback")}
            self.applications[sid] = app
            return self._json(h, 201, app)
        if rest == "/Keys.json" and method == "POST":
            sid = "SK" + os.urandom(16).hex()
            key = {"sid": sid, "friendly_name": form.get("FriendlyName", ""), "secret": os.urandom(16).hex()}
            self.keys[sid] = key
            return self._json(h, 201, key)
        return None

    def add_message_media(self, message_sid, content_type, data):
        """An MMS picture at /Messages/{MM}/Media/{ME}; returns its URL as Twilio gives it in MediaUrl0."""
        media_sid = "ME" + os.urandom(16).hex()
        self.message_media[(message_sid, media_sid)] = (content_type, data)
        return f"{self.base_url}{API}{self.account_sid}/Messages/{message_sid}/Media/{media_sid}"

    def add_call(self, sid, status, from_, to, duration=None, start_time=None, end_time=None, direction="inbound"):
        """A call GET /Calls/{sid}.json answers, in Twilio's shape: `duration` a string of seconds and
        `end_time` an RFC 2822 date, both null while the call goes on."""
        self.calls[sid] = {
            "sid": sid, "account_sid": self.account_sid, "parent_call_sid": None, "api_version": "2010-04-01",
            "to": to, "to_formatted": to, "from": from_, "from_formatted": from_, "phone_number_sid": None,
            "status": status, "direction": direction, "answered_by": None, "caller_name": None,
            "start_time": start_time, "end_time": end_time,
            "duration": None if duration is None else str(duration), "price": None, "price_unit": "USD",
            "date_created": start_time, "date_updated": end_time or start_time, "forwarded_from": None,
            "group_sid": None, "queue_time": "0", "trunk_sid": None,
            "uri": f"{API}{self.account_sid}/Calls/{sid}.json",
            "subresource_uris": {"recordings": f"{API}{self.account_sid}/Calls/{sid}/Recordings.json",
                                 "notifications": f"{API}{self.account_sid}/Calls/{sid}/Notifications.json"},
        }

    def add_number(self, e164):
        sid = "PN" + os.urandom(16).hex()
        self.numbers[sid] = {"sid": sid, "phone_number": e164, "friendly_name": e164, "voice_url": None,
                             "sms_url": None, "voice_application_sid": None}
        return sid

    # -- responses -------------------------------------------------------------------------

    def _json(self, h, status, payload, headers=None):
        data = json.dumps(payload).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)
        return True

    def _empty(self, h, status, headers=None):
        h.send_response(status)
        h.send_header("Content-Length", "0")
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        return True

    def _audio(self, h, audio, ext):
        # Chunked, as large media is: the client must take it piece by piece.
        h.send_response(200)
        # A test that needs playable audio stores a WAV file: say so, whatever was asked.
        wav = ext == "wav" or audio[:4] == b"RIFF"
        h.send_header("Content-Type", "audio/x-wav" if wav else "audio/mpeg")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for start in range(0, len(audio), 16384):
            piece = audio[start:start + 16384]
            h.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")
        return True

    def _media_blob(self, h, path):
        m = re.fullmatch(r"/media/(RE[0-9a-fA-F]{32})\.(mp3|wav)", path)
        recording = self.recordings.get(m.group(1)) if m else None
        if recording is None:
            return self._json(h, *twilio_error(404, 20404, "gone"))
        # The storage URL needs no credentials; a client must not send them to it either way.
        return self._audio(h, recording["audio"], m.group(2))

"""Voicemail end to end with the real binary: Twilio's signed recording callback (the `twilio`
library's RequestValidator) stores it and announces it live; the dialer's API lists, plays through
the server (from a fake of Twilio's REST API over HTTPS), marks heard and deletes at Twilio then
here; the email reaches a real SMTP server (aiosmtpd) and the hook a receiver that checks its
signature; a notice that cannot go out survives a restart; a hanging API never holds a webhook."""
import json
import os
import threading
import time

import requests
from websockets.sync.client import connect as ws_connect

from conftest import ACCOUNT_SID, AUTH_TOKEN, DEFAULT_INI
from fake_twilio_api import FakeTwilioAPI, make_certificate
from test_notices import HOOK_SECRET, HookReceiver, free_port, smtp_server
from test_twilio import login, post_webhook

RECORDING = "RE" + "ab" * 16
AUDIO = os.urandom(50_000)


def wait_for(check, what, seconds=30):
    """Polls until `check()` is truthy (a wait for an outcome, not a timing assertion)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def voicemail_ini(fake, cert, smtp_port, hook_url, extra=""):
    return DEFAULT_INI.replace("[twilio]\n", f"[twilio]\napi_base_url = {fake.base_url}\n") + f"""
[store]
path = {{tmp}}/shetphone.db

[outbound]
ca_file = {cert}
timeout = 3
notice_retry = 1

[smtp]
host = 127.0.0.1
port = {smtp_port}
security = starttls
user = mailer
password = mail-password
from = Shetphone <phone@example.com>

[email]
bob = bob@example.com

[hooks]
secret = {HOOK_SECRET}
voicemail.new = {hook_url}
{extra}"""


def recording_callback(server, caller="+447700900123", number="+15005550006", signature=None):
    url = server.url(f"/voicemail/recording?number={requests.utils.quote(number)}&caller={requests.utils.quote(caller)}")
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA" + "1" * 32, "RecordingSid": RECORDING,
              "RecordingStatus": "completed", "RecordingDuration": "7",
              "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING}"}
    return post_webhook(server, url[len(server.base_url):], params, signed_url=url, signature=signature)


def api(session, server, method, path):
    csrf = session.get(server.url("/api/me")).json()["csrf"]
    return session.request(method, server.url(path), headers={"X-CSRF-Token": csrf})


def test_voicemail_is_stored_announced_mailed_hooked_played_heard_and_deleted(shetphone_factory, tmp_path):
    cert, key = make_certificate(str(tmp_path), hosts=("localhost", "127.0.0.1"))
    receiver = HookReceiver()
    controller, inbox, smtp_port = smtp_server((cert, key), "starttls")
    try:
        with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
            fake.add_recording(RECORDING, AUDIO, duration=7)
            server = shetphone_factory(ini=voicemail_ini(fake, cert, smtp_port, receiver.url))
            bob = login(server, "bob")

            refused = recording_callback(server, signature="not-a-signature")
            assert refused.status_code == 403
            assert bob.get(server.url("/api/voicemail")).json() == {"voicemails": [], "unheard": 0}

            cookie = "; ".join(f"{c.name}={c.value}" for c in bob.cookies if c.path in ("/", ""))
            ws_url = server.base_url.replace("http://", "ws://") + "/ws"
            with ws_connect(ws_url, origin=server.base_url, additional_headers={"Cookie": cookie}, open_timeout=5) as socket:
                assert json.loads(socket.recv(timeout=5))["type"] == "hello"
                assert recording_callback(server).status_code == 204
                event = json.loads(socket.recv(timeout=5))
            assert event["type"] == "voicemail.new"
            assert event["data"]["recordingSid"] == RECORDING and event["data"]["from"] == "+447700900123"
            assert recording_callback(server).status_code == 204, "Twilio's retry is accepted and kept once"

            listing = bob.get(server.url("/api/voicemail")).json()
            assert listing["unheard"] == 1 and [v["recordingSid"] for v in listing["voicemails"]] == [RECORDING]
            text = json.dumps(listing)
            assert "twilio.com" not in text and fake.base_url not in text and AUTH_TOKEN not in text

            audio = bob.get(server.url(f"/api/voicemail/{RECORDING}/audio"))
            assert audio.status_code == 200 and audio.content == AUDIO
            assert audio.headers["Content-Type"] == "audio/mpeg"
            download = bob.get(server.url(f"/api/voicemail/{RECORDING}/audio?download=1"))
            assert download.headers["Content-Disposition"].startswith("attachment; filename=\"voicemail-+447700900123-")

            [mail] = wait_for(lambda: inbox.messages, "the voicemail email")
            assert mail["to"] == ["bob@example.com"]
            assert mail["message"]["Subject"] == "Voicemail from +447700900123 (7 s)"
            assert "New voicemail for +15005550006 from +447700900123, 7 s." in mail["message"].get_content()
            [post] = wait_for(lambda: receiver.posts, "the voicemail.new hook")
            assert post["valid"] and post["event"] == "voicemail.new"
            assert post["json"]["data"]["recordingSid"] == RECORDING

            assert api(bob, server, "POST", f"/api/voicemail/{RECORDING}/heard").status_code == 204
            assert bob.get(server.url("/api/voicemail")).json()["unheard"] == 0

            assert api(bob, server, "DELETE", f"/api/voicemail/{RECORDING}").status_code == 204
            assert RECORDING not in fake.recordings
            assert ("DELETE", f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING}.json", True) in \
                [r[:3] for r in fake.requests]
            assert bob.get(server.url("/api/voicemail")).json()["voicemails"] == []
    finally:
        controller.stop()
        receiver.stop()


def test_the_audio_answers_range_requests_so_players_can_seek(shetphone_factory, tmp_path):
    cert, key = make_certificate(str(tmp_path), hosts=("localhost", "127.0.0.1"))
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
        fake.add_recording(RECORDING, AUDIO, duration=7)
        server = shetphone_factory(ini=voicemail_ini(fake, cert, free_port(), "http://127.0.0.1:9/none"))
        assert recording_callback(server).status_code == 204
        bob = login(server, "bob")
        url = server.url(f"/api/voicemail/{RECORDING}/audio")
        size = len(AUDIO)

        whole = bob.get(url)
        assert whole.status_code == 200 and whole.content == AUDIO
        assert whole.headers["Accept-Ranges"] == "bytes"
        etag = whole.headers["ETag"]
        assert etag == f'"{RECORDING}"'

        def ranged(value, **headers):
            return bob.get(url, headers={"Range": value, **headers})
        cases = {"bytes=0-": (0, size - 1), "bytes=100-199": (100, 199), "bytes=49990-": (49990, size - 1),
                 "bytes=-10": (size - 10, size - 1), "bytes=40000-99999999": (40000, size - 1),
                 "bytes=-999999": (0, size - 1), "BYTES=5-5": (5, 5)}
        for value, (first, last) in cases.items():
            part = ranged(value)
            assert part.status_code == 206, value
            assert part.headers["Content-Range"] == f"bytes {first}-{last}/{size}", value
            assert part.content == AUDIO[first:last + 1], value
            assert int(part.headers["Content-Length"]) == last - first + 1
            assert part.headers["ETag"] == etag and part.headers["Content-Type"] == "audio/mpeg"

        for value in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
            refused = ranged(value)
            assert refused.status_code == 416, value
            assert refused.headers["Content-Range"] == f"bytes */{size}" and refused.content == b""

        # Headers this route does not serve are ignored (RFC 9110 allows it): the whole body, 200.
        for value in ("items=0-5", "bytes=5-1", "bytes=a-b", "bytes=0-1,5-6", "bytes=", "bytes=" + "9" * 30 + "-"):
            ignored = ranged(value)
            assert (ignored.status_code, ignored.content) == (200, AUDIO), value

        # If-Range: the same ETag keeps the range; another tag or a date sends everything.
        assert ranged("bytes=0-9", **{"If-Range": etag}).status_code == 206
        assert (ranged("bytes=0-9", **{"If-Range": '"RE00"'}).status_code, len(ranged("bytes=0-9", **{"If-Range": '"x"'}).content)) == (200, size)
        assert ranged("bytes=0-9", **{"If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"}).status_code == 200
        # If-None-Match with the ETag: 304 without asking Twilio again.
        asked = len(fake.requests)
        unchanged = bob.get(url, headers={"If-None-Match": f'W/"x", {etag}'})
        assert unchanged.status_code == 304 and unchanged.content == b"" and unchanged.headers["ETag"] == etag
        assert len(fake.requests) == asked
        # A recording that is not theirs is refused before any range is looked at.
        other = server.url("/api/voicemail/RE" + "cd" * 16 + "/audio")
        assert bob.get(other, headers={"Range": "bytes=0-9", "If-None-Match": "*"}).status_code == 404


def test_a_user_sees_only_their_numbers_voicemail_and_twilio_errors_are_plain(shetphone_factory, tmp_path):
    cert, key = make_certificate(str(tmp_path))
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
        server = shetphone_factory(ini=voicemail_ini(fake, cert, free_port(), "http://127.0.0.1:9/none"))
        assert recording_callback(server, number="+442079460174").status_code == 204
        bob = login(server, "bob")  # answers +15005550006 only
        assert bob.get(server.url("/api/voicemail")).json()["voicemails"] == []
        assert bob.get(server.url(f"/api/voicemail/{RECORDING}/audio")).status_code == 404
        alice = login(server, "alice")
        gone = alice.get(server.url(f"/api/voicemail/{RECORDING}/audio"))  # the fake has no such recording
        assert gone.status_code == 404
        assert "not found at Twilio" in gone.json()["error"]
        bad = alice.get(server.url("/api/voicemail/RE..%2F..%2FKeys/audio"))
        assert bad.status_code in (400, 404)
        assert not any("Keys" in r[1] for r in fake.requests)


def test_a_notice_that_cannot_go_out_is_kept_across_a_restart_and_sent_later(shetphone_factory, tmp_path):
    cert, key = make_certificate(str(tmp_path), hosts=("localhost", "127.0.0.1"))
    receiver = HookReceiver()
    smtp_port = free_port()
    try:
        with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
            ini = voicemail_ini(fake, cert, smtp_port, receiver.url)
            server = shetphone_factory(ini=ini)
            assert recording_callback(server).status_code == 204, "the webhook does not wait for SMTP"
            wait_for(lambda: "notice" in server.log() and "next try" in server.log(), "a failed email try in the log")
            server.stop()
            controller, inbox, _ = smtp_server((cert, key), "starttls", port=smtp_port)
            try:
                shetphone_factory(ini=ini)
                [mail] = wait_for(lambda: inbox.messages, "the email after the restart")
                assert mail["message"]["Subject"] == "Voicemail from +447700900123 (7 s)"
            finally:
                controller.stop()
    finally:
        receiver.stop()


def test_webhooks_answer_while_twilios_api_hangs(shetphone_factory, tmp_path):
    cert, key = make_certificate(str(tmp_path))
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
        server = shetphone_factory(ini=voicemail_ini(fake, cert, free_port(), "http://127.0.0.1:9/none"))
        assert recording_callback(server).status_code == 204
        fake.hang = True
        bob = login(server, "bob")
        stuck = {}
        fetch = threading.Thread(target=lambda: stuck.update(r=bob.get(server.url(f"/api/voicemail/{RECORDING}/audio"))))
        fetch.start()
        wait_for(lambda: any(r[1].endswith(".mp3") for r in fake.requests), "the audio request to reach the fake")
        call = {"AccountSid": ACCOUNT_SID, "CallSid": "CA9", "From": "+447700900123", "To": "+15005550006"}
        assert post_webhook(server, "/voice", call).status_code == 200
        status = {**call, "CallStatus": "ringing"}
        assert post_webhook(server, "/status", status).status_code == 204
        assert fetch.is_alive(), "the audio request was still waiting on the API while the webhooks answered"
        more = [threading.Thread(target=lambda: bob.get(server.url(f"/api/voicemail/{RECORDING}/audio"))) for _ in range(7)]
        for thread in more:
            thread.start()
        wait_for(lambda: sum(r[1].endswith(".mp3") for r in fake.requests) >= 8, "eight relays waiting on the API")
        busy = bob.get(server.url(f"/api/voicemail/{RECORDING}/audio"))
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "2", "a ninth relay is refused, memory stays bounded"
        for thread in more:
            thread.join(60)
        fetch.join(60)
        assert stuck["r"].status_code == 502 and "timed out" in stuck["r"].json()["error"]


def wav_tone(seconds=1.0, rate=8000):
    """A real, playable WAV (a 440 Hz tone), so Chromium's audio element can load it."""
    import io
    import math
    import struct
    import wave
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / rate)))
                               for i in range(int(seconds * rate))))
    return out.getvalue()


def test_the_dialer_shows_a_new_voicemail_live_plays_it_marks_it_heard_and_deletes_it(shetphone_factory, tmp_path):
    from dialer_helpers import js, login as browser_login, make_browser, wait_until
    from selenium.webdriver.common.by import By
    cert, key = make_certificate(str(tmp_path))
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
        fake.add_recording(RECORDING, wav_tone(), duration=1)
        server = shetphone_factory(ini=voicemail_ini(fake, cert, free_port(), "http://127.0.0.1:9/none"))
        driver = make_browser()
        try:
            browser_login(driver, server.base_url, "bob", server.users["bob"])
            wait_until(driver, lambda d: d.find_element(By.ID, "voicemails-empty").is_displayed(), message="empty box")
            assert recording_callback(server).status_code == 204
            row = wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'li.voicemail[data-sid="{RECORDING}"]'),
                             message="the new voicemail, live")[0]
            assert "+44 7700 900123" in row.text and "unheard" in row.get_attribute("class")
            badge = driver.find_element(By.ID, "voicemail-badge")
            assert badge.is_displayed() and badge.text == "1"
            row.find_element(By.CSS_SELECTOR, ".voicemail-who").click()  # a real click: the page may play sound
            js(driver, f'document.querySelector(\'li[data-sid="{RECORDING}"] audio\').play()')
            audio = f'document.querySelector(\'li[data-sid="{RECORDING}"] audio\')'
            try:
                wait_until(driver, lambda d: js(d, f'return {audio}.readyState') >= 2,
                           message="the audio element loaded the proxied bytes")
            except AssertionError:
                state = js(driver, f'const a = {audio}; return [a.readyState, a.networkState, a.error && a.error.code, a.error && a.error.message, a.src]')
                raise AssertionError(f"audio element state {state}; console {driver.get_log('browser')}")
            duration = js(driver, f'return document.querySelector(\'li[data-sid="{RECORDING}"] audio\').duration')
            assert 0.9 < duration < 1.1, duration
            # Seeking: the player may jump because the server answers Range requests.
            assert js(driver, f'const a = {audio}; return a.seekable.length && a.seekable.end(0)') > 0.9
            js(driver, f'{audio}.currentTime = 0.6')
            wait_until(driver, lambda d: js(d, f'const a = {audio}; return !a.seeking && a.currentTime >= 0.6'),
                       message="the audio element seeked")
            wait_until(driver, lambda d: not d.find_element(By.ID, "voicemail-badge").is_displayed(), message="marked heard")
            assert login(server, "bob").get(server.url("/api/voicemail")).json()["unheard"] == 0
            driver.find_element(By.CSS_SELECTOR, f'li[data-sid="{RECORDING}"] button.danger').click()
            wait_until(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, f'li[data-sid="{RECORDING}"]'), message="deleted")
            assert RECORDING not in fake.recordings
            assert driver.find_element(By.ID, "voicemails-empty").is_displayed()
            page = driver.page_source
            assert fake.base_url not in page and "twilio.com/2010" not in page
        finally:
            driver.quit()


def test_a_missed_call_sends_a_signed_hook_and_mails_who_opted_in(shetphone_factory, tmp_path):
    cert, key = make_certificate(str(tmp_path), hosts=("localhost", "127.0.0.1"))
    receiver = HookReceiver()
    controller, inbox, smtp_port = smtp_server((cert, key), "starttls")
    try:
        with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
            ini = voicemail_ini(fake, cert, smtp_port, receiver.url).replace("voicemail.new =", "call.missed =")
            ini = ini.replace("bob = bob@example.com\n", "bob = bob@example.com\nmissed_calls = bob\n")
            server = shetphone_factory(ini=ini)
            nobody = {"AccountSid": ACCOUNT_SID, "CallSid": "CA5", "From": "+447700900123", "To": "+15005550006",
                      "DialCallStatus": "no-answer"}
            assert post_webhook(server, "/voice", nobody).status_code == 200
            [post] = wait_for(lambda: receiver.posts, "the call.missed hook")
            assert post["valid"] and post["event"] == "call.missed"
            assert post["json"]["data"] == {"callSid": "CA5", "from": "+447700900123", "to": "+15005550006",
                                            "status": "no-answer"}
            [mail] = wait_for(lambda: inbox.messages, "the missed-call email")
            assert mail["to"] == ["bob@example.com"] and mail["message"]["Subject"] == "Missed call from +447700900123"
    finally:
        controller.stop()
        receiver.stop()


def test_with_transcription_the_email_waits_for_the_transcript(shetphone_factory, tmp_path):
    cert, key = make_certificate(str(tmp_path), hosts=("localhost", "127.0.0.1"))
    controller, inbox, smtp_port = smtp_server((cert, key), "starttls")
    try:
        with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as fake:
            server = shetphone_factory(ini=voicemail_ini(fake, cert, smtp_port, "http://127.0.0.1:9/none",
                                                         extra="\n[voicemail]\ntranscribe = true\n"))
            assert recording_callback(server).status_code == 204
            url = server.url("/voicemail/transcription?number=%2B15005550006&caller=%2B447700900123")
            params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA" + "1" * 32, "RecordingSid": RECORDING,
                      "TranscriptionSid": "TR" + "2" * 32, "TranscriptionStatus": "completed",
                      "TranscriptionText": "Hi Bob, call me back."}
            path = url[len(server.base_url):]
            assert post_webhook(server, path, params, signed_url=url, signature="forged").status_code == 403
            bob = login(server, "bob")
            assert bob.get(server.url("/api/voicemail")).json()["voicemails"][0]["transcript"] is None
            assert inbox.messages == [], "no email before the transcript"
            assert post_webhook(server, path, params, signed_url=url).status_code == 204
            assert bob.get(server.url("/api/voicemail")).json()["voicemails"][0]["transcript"] == "Hi Bob, call me back."
            [mail] = wait_for(lambda: inbox.messages, "the email with the transcript")
            assert "Transcript:\nHi Bob, call me back." in mail["message"].get_content()
    finally:
        controller.stop()

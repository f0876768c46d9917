"""Shetphone's Twilio REST client (libcurl on its own thread) against a fake of Twilio's API over real
HTTPS: certificates, Basic auth, streamed media, retries with backoff, timeouts and Twilio's error shapes.
Driven through `shetphone twilio-api`, which uses the same client, settings and TwilioAPI as the server."""
import os
import subprocess

import pytest

from conftest import ACCOUNT_SID, APP_SID, AUTH_TOKEN, binary
from fake_twilio_api import FakeTwilioAPI, make_certificate

RECORDING = "RE" + "0123456789abcdef" * 2
CONFIG = """\
[twilio]
account_sid = {account_sid}
auth_token = {auth_token}
app_sid = {app_sid}
api_base_url = {base_url}

[outbound]
ca_file = {ca_file}
timeout = {timeout}
"""


@pytest.fixture
def certificate(tmp_path):
    return make_certificate(str(tmp_path))


@pytest.fixture
def fake(certificate):
    cert, key = certificate
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as api:
        yield api


def write_config(tmp_path, fake, ca_file, auth_token=AUTH_TOKEN, timeout=5):
    path = tmp_path / "shetphone.ini"
    path.write_text(CONFIG.format(account_sid=ACCOUNT_SID, auth_token=auth_token, app_sid=APP_SID,
                                  base_url=fake.base_url, ca_file=ca_file, timeout=timeout))
    return str(path)


def twilio_api(config, *args):
    return subprocess.run([binary(), "twilio-api", *args[:1], "--config", config, *args[1:]],
                          capture_output=True, text=True, timeout=120)


def test_check_authenticates_with_basic_auth_over_verified_tls(tmp_path, fake, certificate):
    result = twilio_api(write_config(tmp_path, fake, certificate[0]), "check")
    assert result.returncode == 0, result.stderr
    assert "OK: Fake account (active)" in result.stdout
    assert fake.requests == [("GET", f"/2010-04-01/Accounts/{ACCOUNT_SID}.json", True, 1)]


def test_a_certificate_nobody_told_us_to_trust_is_refused(tmp_path, fake):
    other_cert, _ = make_certificate(str(tmp_path), name="someone-else")
    result = twilio_api(write_config(tmp_path, fake, other_cert), "check")
    assert result.returncode == 1
    assert "TLS failed" in result.stderr and fake.base_url in result.stderr
    assert fake.requests == [], "no HTTP request may be sent over an unverified connection"


def test_bad_credentials_are_a_plain_error_naming_the_settings(tmp_path, fake, certificate):
    result = twilio_api(write_config(tmp_path, fake, certificate[0], auth_token="wrong-token"), "check")
    assert result.returncode == 1
    assert "Twilio refused the credentials ([twilio] account_sid / auth_token)" in result.stderr
    assert "code 20003: Authenticate" in result.stderr
    assert "wrong-token" not in result.stderr
    assert len(fake.requests) == 1, "a 401 is not retried"


def test_recording_media_is_streamed_to_the_file_on_one_reused_connection(tmp_path, fake, certificate):
    audio = os.urandom(300_000)
    fake.add_recording(RECORDING, audio, duration=42)
    out = tmp_path / "voicemail.mp3"
    result = twilio_api(write_config(tmp_path, fake, certificate[0]), "fetch-recording", RECORDING, "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == audio
    assert f"{len(audio)} bytes of audio/mpeg, 42 s" in result.stdout
    paths = [r[1] for r in fake.requests]
    assert paths == [f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING}.json",
                     f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING}.mp3"]
    assert fake.connections_used() == {1}, "the metadata and the media went over one kept-alive connection"


def test_media_redirect_to_storage_is_followed(tmp_path, fake, certificate):
    audio = os.urandom(20_000)
    fake.add_recording(RECORDING, audio)
    fake.redirect_media = True
    out = tmp_path / "voicemail.wav"
    result = twilio_api(write_config(tmp_path, fake, certificate[0]), "fetch-recording", RECORDING,
                        "--output", str(out), "--format", "wav")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == audio
    assert fake.requests[-1][1] == f"/media/{RECORDING}.wav"


def test_a_recording_that_is_gone_is_a_plain_404(tmp_path, fake, certificate):
    result = twilio_api(write_config(tmp_path, fake, certificate[0]), "fetch-recording", RECORDING,
                        "--output", str(tmp_path / "x.mp3"))
    assert result.returncode == 1
    assert f"recording {RECORDING}: not found at Twilio (deleted?) (code 20404" in result.stderr
    assert len(fake.requests) == 1, "a 404 is not retried"


def test_delete_recording_and_deleting_again_is_fine(tmp_path, fake, certificate):
    fake.add_recording(RECORDING, b"audio")
    config = write_config(tmp_path, fake, certificate[0])
    result = twilio_api(config, "delete-recording", RECORDING)
    assert result.returncode == 0, result.stderr
    assert RECORDING not in fake.recordings
    assert fake.requests[0][:3] == ("DELETE", f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{RECORDING}.json", True)
    again = twilio_api(config, "delete-recording", RECORDING)
    assert again.returncode == 0, "a recording already gone at Twilio counts as deleted"


def test_a_malformed_sid_never_reaches_the_network(tmp_path, fake, certificate):
    result = twilio_api(write_config(tmp_path, fake, certificate[0]), "delete-recording", "RE../../Messages")
    assert result.returncode == 1
    assert "is not a Twilio SID (RE and 32 hex digits)" in result.stderr
    assert fake.requests == []


def test_server_errors_are_retried_with_backoff_until_an_answer(tmp_path, fake, certificate):
    fake.fail_next = [503, 500]
    result = twilio_api(write_config(tmp_path, fake, certificate[0]), "check")
    assert result.returncode == 0, result.stderr
    assert len(fake.requests) == 3


def test_too_many_requests_waits_for_retry_after_then_succeeds(tmp_path, fake, certificate):
    fake.fail_next = [429]
    fake.retry_after = 1
    result = twilio_api(write_config(tmp_path, fake, certificate[0]), "check")
    assert result.returncode == 0, result.stderr
    assert len(fake.requests) == 2


def test_retries_end_with_the_last_error(tmp_path, fake, certificate):
    fake.fail_next = [503, 503, 503, 503]
    result = twilio_api(write_config(tmp_path, fake, certificate[0]), "check")
    assert result.returncode == 1
    assert "Twilio answered 503" in result.stderr
    assert len(fake.requests) == 3, "three tries in all"


def test_an_api_that_hangs_times_out_and_is_tried_three_times(tmp_path, fake, certificate):
    fake.hang = True
    result = twilio_api(write_config(tmp_path, fake, certificate[0], timeout=1), "check")
    assert result.returncode == 1
    assert "no answer within 1 s (timed out)" in result.stderr
    assert len(fake.requests) == 3


def test_the_fake_speaks_what_the_official_twilio_library_expects(fake, certificate):
    """The fake's shapes are checked by Twilio's own Python library, so our client is tested against
    the documented wire format and not only against our reading of it."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client
    http = TwilioHttpClient()
    http.session.verify = certificate[0]
    http.session.trust_env = False  # REQUESTS_CA_BUNDLE would replace the certificate we trust
    client = Client(ACCOUNT_SID, AUTH_TOKEN, http_client=http)
    client.api.base_url = fake.base_url
    fake.add_recording(RECORDING, b"x", duration=9)
    recording = client.recordings(RECORDING).fetch()
    assert (recording.sid, recording.duration, recording.status) == (RECORDING, "9", "completed")
    message = client.messages.create(to="+15005550006", from_="+442079460174", body="hello")
    assert message.sid.startswith("SM") and message.status == "queued"
    assert client.recordings(RECORDING).delete() is True
    key = client.new_keys.create(friendly_name="shetphone")
    assert key.sid.startswith("SK") and key.secret
    app = client.applications.create(friendly_name="Shetphone", voice_url="https://example.com/voice")
    assert app.sid.startswith("AP") and app.voice_url == "https://example.com/voice"
    sid = fake.add_number("+442079460174")
    number = client.incoming_phone_numbers(sid).update(voice_application_sid=app.sid)
    assert number.voice_application_sid == app.sid
    assert [n.phone_number for n in client.incoming_phone_numbers.list()] == ["+442079460174"]

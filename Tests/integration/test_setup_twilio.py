"""`shetphone setup-twilio` against the fake of Twilio's REST API over real HTTPS: a first run
creates the API key and TwiML App and points the numbers at it, a second changes nothing, a dry
run writes nothing, and a wrong auth token is a clear error with the config untouched."""
import os
import stat
import subprocess

import pytest

from conftest import ACCOUNT_SID, AUTH_TOKEN, ROOT, binary
from fake_twilio_api import FakeTwilioAPI, make_certificate

CONFIG = """\
; Set up by hand up to here; setup-twilio does the rest.
[app]
public_url = https://phone.example.com/shetphone

[twilio]
account_sid = {account_sid}
auth_token = {auth_token}   ; from the Console home page
api_base_url = {base_url}

[numbers]
+442079460174 = alice   ; the office line
+15005550006 = bob

[outbound]
ca_file = {ca_file}
timeout = 5
"""


@pytest.fixture
def fake(tmp_path):
    cert, key = make_certificate(str(tmp_path))
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as api:
        api.cert = cert
        yield api


def write_config(tmp_path, fake, auth_token=AUTH_TOKEN):
    path = tmp_path / "shetphone.ini"
    path.write_text(CONFIG.format(account_sid=ACCOUNT_SID, auth_token=auth_token, base_url=fake.base_url, ca_file=fake.cert))
    os.chmod(path, 0o640)
    return path


def setup_twilio(path, *extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
    return subprocess.run([binary(), "setup-twilio", "--config", str(path), *extra], capture_output=True, text=True,
                          timeout=120, env=env)


def posts(fake):
    return [r for r in fake.requests if r[0] == "POST"]


def test_first_run_creates_second_changes_nothing(tmp_path, fake):
    office = fake.add_number("+442079460174")
    fake.add_number("+15005550006")
    path = write_config(tmp_path, fake)
    first = setup_twilio(path)
    assert first.returncode == 0, first.stderr
    assert len(fake.keys) == 1 and len(fake.applications) == 1
    (app,) = fake.applications.values()
    assert app["voice_url"] == "https://phone.example.com/shetphone/voice" and app["voice_method"] == "POST"
    assert all(number["voice_application_sid"] == app["sid"] for number in fake.numbers.values())
    assert all(number["sms_url"] == "https://phone.example.com/shetphone/sms" for number in fake.numbers.values())
    (key,) = fake.keys.values()
    text = path.read_text()
    # The keys are in [twilio]; every comment and the file's mode are kept.
    assert f"api_key_sid = {key['sid']}" in text and f"api_key_secret = {key['secret']}" in text
    assert f"app_sid = {app['sid']}" in text
    assert "; Set up by hand up to here" in text and "; the office line" in text and "; from the Console home page" in text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert text.index("app_sid") < text.index("[numbers]")
    # The file is now a whole config: check-config (from the repository, for Public/) passes it.
    check = subprocess.run([binary(), "check-config", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert check.returncode == 0, check.stdout + check.stderr

    before = path.read_text()
    writes = len(posts(fake))
    second = setup_twilio(path)
    assert second.returncode == 0, second.stderr
    assert "nothing to change" in second.stdout
    assert "calls already go to the TwiML App" in second.stdout
    assert "texts already go to https://phone.example.com/shetphone/sms" in second.stdout
    assert len(posts(fake)) == writes
    assert path.read_text() == before
    assert office in fake.numbers


def test_dry_run_writes_nothing(tmp_path, fake):
    fake.add_number("+442079460174")
    path = write_config(tmp_path, fake)
    before = path.read_text()
    out = setup_twilio(path, "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "would create an API key" in out.stdout and "would create a TwiML App" in out.stdout
    assert "+442079460174: would send its calls to the TwiML App" in out.stdout
    assert "+442079460174: would send its texts to https://phone.example.com/shetphone/sms" in out.stdout
    assert posts(fake) == [] and fake.keys == {} and fake.applications == {}
    assert path.read_text() == before


def test_a_wrong_auth_token_is_a_clear_error_and_the_config_is_untouched(tmp_path, fake):
    fake.add_number("+442079460174")
    path = write_config(tmp_path, fake, auth_token="wrong-token")
    before = path.read_text()
    out = setup_twilio(path)
    assert out.returncode == 1
    assert "check [twilio] account_sid and auth_token; nothing was changed" in out.stderr, out.stderr
    assert "wrong-token" not in out.stderr
    assert posts(fake) == []
    assert path.read_text() == before


def test_without_a_public_url_it_says_what_it_needs(tmp_path, fake):
    path = write_config(tmp_path, fake)
    path.write_text(path.read_text().replace("public_url = https://phone.example.com/shetphone\n", ""))
    out = setup_twilio(path)
    assert out.returncode == 1
    assert "setup-twilio needs [app] public_url" in out.stderr
    assert fake.requests == []

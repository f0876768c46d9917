"""Several Shetphones on one real PostgreSQL share the device-cookie key through the store
(migration 12, `secrets`): a browser known to instance A is known to B, so failures against its
user's name on B do not lock it out there (issue 13's rule, now across instances). A key file of
an older release (`state_dir/device-cookie.key`) is imported once, and the cookies it signed stay
valid on every instance.
"""
import base64
import hashlib
import hmac
import os

import requests

from conftest import ROOT
from test_security import shetphone, write_config
from test_shared_login_state import TRUSTING_INI, attempt, wrong_password

LAPTOP = "198.51.100.20"
STRANGER = "192.0.2.44"


def start_pair(postgres, shetphone_factory, tmp_path, a_key_file=None):
    """A and B on `postgres`, each with a `state_dir` of its own (nothing copied between them);
    A's holds `a_key_file` when given, as an older release left it."""
    ini = TRUSTING_INI + f"\n[store]\nurl = {postgres.url}\n"
    a_folder, b_folder = tmp_path / "a", tmp_path / "b"
    a_folder.mkdir()
    b_folder.mkdir()
    if a_key_file is not None:
        (a_folder / "device-cookie.key").write_text(a_key_file)
        os.chmod(a_folder / "device-cookie.key", 0o600)
    a = shetphone_factory(ini=ini, workdir=a_folder)
    b = shetphone_factory(ini=ini, workdir=b_folder)
    return a, b


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def device_cookie(key, user):
    """A device cookie as Shetphone signs it (`DeviceCookieSigner.issue`): what a browser got
    from a release that kept its key in a file."""
    body = "v1." + b64url(user.encode()) + "." + b64url(os.urandom(16))
    mac = hmac.new(key, ("shetphone device cookie " + body).encode(), hashlib.sha256).digest()
    return body + "." + b64url(mac)


def browser_with(cookie_value):
    browser = requests.Session()
    browser.cookies.set("shetphone_device", cookie_value)
    return browser


def device_cookie_of(session):
    values = [cookie.value for cookie in session.cookies if cookie.name == "shetphone_device"]
    assert values, "the login gave no device cookie"
    return values[0]


def block_alices_name(server):
    """An attacker fails alice's password on `server` until a stranger (a new address, no device
    cookie) is refused there for her name: nine failures, the last ones past the five free."""
    for index in range(9):
        wrong_password(server, index)
    assert_stranger_limited(server)


def assert_stranger_limited(server):
    _, stranger = attempt(server, "alice-password", STRANGER)
    assert stranger.status_code == 429, (stranger.status_code, stranger.text[:200])


def test_a_browser_known_to_one_instance_is_known_to_the_other(postgres, shetphone_factory, tmp_path):
    a, b = start_pair(postgres, shetphone_factory, tmp_path)
    laptop, ok = attempt(a, "alice-password", LAPTOP)
    assert ok.status_code == 303 and ok.headers["Location"] == "/", ok.headers
    cookie = device_cookie_of(laptop)

    block_alices_name(b)
    # Between two refusals of a stranger, so the name was limited on B all along: the laptop's
    # cookie from A exempts it from the name's count on B.
    _, own = attempt(b, "alice-password", LAPTOP, session=browser_with(cookie))
    assert own.status_code == 303 and own.headers["Location"] == "/", (own.status_code, own.text[:200])
    assert_stranger_limited(b)
    assert not any("device-cookie" in name for folder in ("a", "b") for name in os.listdir(tmp_path / folder)), \
        "the key lives in the store, not in state_dir"


def test_a_key_file_of_an_older_release_is_imported_and_its_cookies_stay_valid(postgres, shetphone_factory,
                                                                               tmp_path):
    old_key = os.urandom(32)
    before_upgrade = device_cookie(old_key, "alice")
    a, b = start_pair(postgres, shetphone_factory, tmp_path, a_key_file=b64url(old_key) + "\n")
    assert not (tmp_path / "a" / "device-cookie.key").exists()
    assert (tmp_path / "a" / "device-cookie.key.imported").read_text() == b64url(old_key) + "\n"
    assert "imported" in a.log() and "device-cookie.key.imported" in a.log(), a.log()

    block_alices_name(b)
    forged = device_cookie(os.urandom(32), "alice")
    _, foreign = attempt(b, "alice-password", LAPTOP, session=browser_with(forged))
    assert foreign.status_code == 429, ("a cookie signed with another key is a stranger's", foreign.status_code)
    # B never saw the file: the imported key reached it through the store.
    _, own = attempt(b, "alice-password", LAPTOP, session=browser_with(before_upgrade))
    assert own.status_code == 303 and own.headers["Location"] == "/", (own.status_code, own.text[:200])
    assert_stranger_limited(b)


def test_a_key_file_that_is_not_a_key_stops_the_start_naming_it(postgres, tmp_path):
    config = write_config(tmp_path, TRUSTING_INI + f"\n[store]\nurl = {postgres.url}\n")
    os.symlink(os.path.join(ROOT, "Public"), tmp_path / "Public")
    (tmp_path / "device-cookie.key").write_text("short\n")
    result = shetphone("serve", "--config", config, cwd=tmp_path)
    assert result.returncode != 0
    assert f"{tmp_path}/device-cookie.key is not a device-cookie key" in result.stderr + result.stdout, result
    assert (tmp_path / "device-cookie.key").read_text() == "short\n", "a bad file stays where it is"
    assert not (tmp_path / "device-cookie.key.imported").exists()

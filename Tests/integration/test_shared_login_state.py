"""Several Shetphones on one real PostgreSQL (issue 17): the login throttle counts failures of
every instance together (the device-cookie rule kept), and the store commands (migrate,
export-calls, backup through pg_dump) work on `[store] url`.
"""
import csv
import io
import os
import stat
import subprocess
import time

import pytest
import requests

from conftest import ACCOUNT_SID, DEFAULT_INI, binary
from instances_helpers import two_instances
from test_auth import login
from test_twilio import post_webhook

# The instances believe X-Forwarded-For from the test (as from NGINX), so tests can speak as
# several client addresses.
TRUSTING_INI = DEFAULT_INI.replace("access_log = true\n", "access_log = true\ntrusted_proxies = 127.0.0.1\n")


@pytest.fixture
def pair(postgres, shetphone_factory, tmp_path):
    """Instances A and B on `postgres`, each with its own state_dir (the device-cookie key they
    share is the store's)."""
    return two_instances(shetphone_factory, tmp_path, (postgres.url, postgres.url), ini=TRUSTING_INI)


def attempt(server, password, address, session=None):
    return login(server, "alice", password, session=session, headers={"X-Forwarded-For": address})


def wrong_password(server, index):
    """A wrong guess from the attacker's address, once any wait from earlier guesses is over."""
    _, wrong = attempt(server, f"guess-{index}", "203.0.113.9")
    if wrong.status_code == 429:
        time.sleep(int(wrong.headers["Retry-After"]) + 0.2)
        _, wrong = attempt(server, f"guess-{index}", "203.0.113.9")
    assert wrong.status_code == 303 and "error=1" in wrong.headers["Location"], (index, wrong.status_code)


def test_login_failures_split_across_two_instances_block_on_both(pair):
    a, b = pair
    # Alice's own laptop logged in before the attack: it holds her signed device cookie.
    laptop, ok = attempt(a, "alice-password", "198.51.100.20")
    assert ok.status_code == 303 and ok.headers["Location"] == "/", ok.headers
    # Nine wrong passwords, taking turns: A saw five and B four, each within its own five free
    # failures; together they are four past them, so the wait is now 8 s on both.
    for index in range(9):
        wrong_password(a if index % 2 == 0 else b, index)
    for server in (a, b):
        _, limited = attempt(server, "alice-password", "203.0.113.9")
        assert limited.status_code == 429, (server.base_url, limited.status_code, limited.text[:200])
        assert 1 <= int(limited.headers["Retry-After"]) <= 8
        # The name is limited from a new address too: the failures were counted per name.
        _, elsewhere = attempt(server, "alice-password", "192.0.2.44")
        assert elsewhere.status_code == 429, (server.base_url, elsewhere.status_code)
    # The laptop, logged out, keeps its device cookie (issued by A): that exempts it from the
    # name's count on B.
    browser = requests.Session()
    for cookie in laptop.cookies:
        if cookie.name == "shetphone_device":
            browser.cookies.set_cookie(cookie)
    assert browser.cookies, "login gave no device cookie"
    _, own = attempt(b, "alice-password", "198.51.100.20", session=browser)
    assert own.status_code == 303 and own.headers["Location"] == "/", (own.status_code, own.headers)


def test_migrate_export_calls_and_backup_work_on_postgresql(postgres, shetphone_factory, tmp_path):
    server = shetphone_factory(ini=DEFAULT_INI + f"\n[store]\nurl = {postgres.url}\n")
    for call_status in ("ringing", "completed"):
        answer = post_webhook(server, "/status", {"AccountSid": ACCOUNT_SID, "CallSid": "CAexport1",
                                                  "CallStatus": call_status, "Direction": "inbound",
                                                  "From": "+447700900123", "To": "+15005550006"})
        assert answer.status_code == 204, answer.text
    config = os.path.join(server.workdir, "shetphone.ini")

    dry = subprocess.run([binary(), "migrate", "-c", config, "--dry-run"], capture_output=True, text=True)
    assert dry.returncode == 0, dry.stderr
    assert "schema version" in dry.stdout and "would apply" not in dry.stdout, dry.stdout
    migrate = subprocess.run([binary(), "migrate", "-c", config], capture_output=True, text=True)
    assert migrate.returncode == 0 and "up to date" in migrate.stdout and "applied" not in migrate.stdout, migrate

    export = subprocess.run([binary(), "export-calls", "-c", config], capture_output=True, text=True)
    assert export.returncode == 0, export.stderr
    rows = list(csv.DictReader(io.StringIO(export.stdout)))
    assert [row["call_sid"] for row in rows] == ["CAexport1"], export.stdout
    assert rows[0]["our_number"] == "+15005550006", rows

    # backup runs pg_dump from PATH: a wrapper records how it was called, then runs the real one.
    tools = tmp_path / "tools"
    tools.mkdir()
    wrapper = tools / "pg_dump"
    wrapper.write_text(f'#!/bin/sh\necho "$@" > {tools}/argv\necho "$PGPASSWORD" > {tools}/password\n'
                       f'exec {postgres.bin}/pg_dump "$@"\n')
    wrapper.chmod(0o755)
    secret_url = postgres.url.replace("shetphone@", "shetphone:s3cr%40t@")
    secret_ini = tmp_path / "secret.ini"
    secret_ini.write_text(open(config).read().replace(postgres.url, secret_url))
    copy = tmp_path / "calls.dump"
    env = {**os.environ, "PATH": f"{tools}:/usr/bin:/bin"}
    backup = subprocess.run([binary(), "backup", "-c", str(secret_ini), str(copy)], capture_output=True, text=True,
                            env=env, cwd=server.workdir)
    assert backup.returncode == 0, backup.stderr
    assert "s3cr" not in (tools / "argv").read_text(), "the password was on pg_dump's command line"
    assert (tools / "password").read_text().strip() == "s3cr@t"
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    listing = subprocess.run([f"{postgres.bin}/pg_restore", "--list", str(copy)], capture_output=True, text=True)
    assert listing.returncode == 0 and "TABLE DATA public calls" in listing.stdout, listing
    postgres.psql("CREATE DATABASE restored")
    restored_url = postgres.url.replace("/postgres?", "/restored?")
    restore = subprocess.run([f"{postgres.bin}/pg_restore", "--dbname", restored_url, str(copy)],
                             capture_output=True, text=True)
    assert restore.returncode == 0, restore.stderr
    count = subprocess.run([f"{postgres.bin}/psql", "-X", "-A", "-t", "-d", restored_url, "-c",
                            "SELECT sid FROM calls"], capture_output=True, text=True)
    assert count.stdout.split() == ["CAexport1"], count

    again = subprocess.run([binary(), "backup", "-c", config, str(copy)], capture_output=True, text=True, env=env)
    assert again.returncode == 1 and "already exists" in again.stderr, again.stderr
    missing = subprocess.run([binary(), "backup", "-c", config, str(tmp_path / "other.dump")], capture_output=True,
                             text=True, env={**os.environ, "PATH": "/nonexistent"})
    assert missing.returncode == 1 and "pg_dump is not on PATH" in missing.stderr, missing.stderr
    assert not os.path.exists(tmp_path / "other.dump")

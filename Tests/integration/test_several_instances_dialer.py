"""A Chromium dialer on instance A of two behind the example's NGINX on one real PostgreSQL. B is
the upstream's `backup`, so NGINX keeps the dialer on A while A answers. The dialer shows
callbacks sent straight to B as they come; catches up on what B took while A had lost its
database (the `resync` event, on the socket it kept); and when A is killed in a burst of
callbacks, reconnects through NGINX to B, where every acknowledged call is in the history."""
import re
import signal
import threading
import time

import pytest
import requests

from conftest import ACCOUNT_SID
from dialer_helpers import DESKTOP, js, login, make_browser, wait_attr, wait_until
from instances_helpers import behind_nginx, link  # noqa: F401 (a fixture)

NUMBER = "+15005550006"  # bob and carol's number


def logged(server, text, seconds=5.0):
    """True once `text` is in the server's log. The access log is buffered and written by its
    own thread within about a quarter of a second, so a line may trail the answer it records."""
    deadline = time.monotonic() + seconds
    while text not in server.log():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def upstream(postgres, link, shetphone_factory, tmp_path):
    """A reaches the database through `link`, B over the Unix socket; B is NGINX's backup."""
    with behind_nginx([link.url(), postgres.url], shetphone_factory, tmp_path, backup=True) as made:
        yield made


@pytest.fixture
def dialer():
    driver = make_browser(DESKTOP, fake_sdk=True, extra_args=("--ignore-certificate-errors",))
    yield driver
    driver.quit()


def caller(n):
    return f"+44770090{n:04d}"


def incoming(n):
    """The voice webhook that starts call `n` (the history record takes the caller from it)."""
    return "/voice", {"AccountSid": ACCOUNT_SID, "CallSid": f"CAdialer{n:04d}", "Direction": "inbound",
                      "From": caller(n), "To": NUMBER}


def callback(n, call_status):
    _, params = incoming(n)
    return "/status", {**params, "CallStatus": call_status}


def send(server, upstream, webhook):
    """Straight to `server` (not through NGINX), signed for the public URL as Twilio signs it."""
    path, params = webhook
    signature = server.sign(upstream.public + path, params)
    answer = requests.post(server.url("/shetphone" + path), data=params, headers={"X-Twilio-Signature": signature},
                           timeout=10)
    return answer.status_code


def rows(driver):
    """Recent calls: (caller's digits, status) per row, newest first."""
    return [(re.sub(r"\D", "", title), status) for title, status in js(driver, """
        return [...document.querySelectorAll('#call-log li')].map(li => [
            li.querySelector('.entry-title').textContent, li.dataset.status]);""")]


def status_of(driver, n):
    digits = re.sub(r"\D", "", caller(n))
    return next((status for number, status in rows(driver) if number == digits), None)


def wait_status(driver, n, *wanted, timeout=20):
    """Until the row of call `n` shows one of `wanted` (any status when none is named)."""
    def shown(d):
        status = status_of(d, n)
        return status is not None and (not wanted or status in wanted)
    wait_until(driver, shown, timeout, f"the call from {caller(n)} shown as {wanted or 'any status'}; rows are {rows(driver)}")


def watch_server_indicator(driver):
    """Records every state the page's server indicator takes from now on."""
    js(driver, """
        const node = document.getElementById('ind-server');
        window.__serverStates = [];
        new MutationObserver(() => window.__serverStates.push(node.dataset.state))
            .observe(node, {attributes: true, attributeFilter: ['data-state']});""")


def test_a_dialer_on_a_shows_callbacks_sent_to_b_and_catches_up_after_a_lost_its_database(
        upstream, link, dialer):
    a, b = upstream.servers
    login(dialer, upstream.public + "/", "bob", a.users["bob"])
    assert logged(a, "GET /shetphone/ws") and "/shetphone/ws" not in b.log(), "the dialer is not on A"

    # Live: the webhooks of one call, sent to B, change the row on A's dialer as they come.
    assert send(b, upstream, incoming(1)) == 200
    assert send(b, upstream, callback(1, "ringing")) == 204
    wait_status(dialer, 1, "ringing")
    assert send(b, upstream, callback(1, "in-progress")) == 204
    wait_status(dialer, 1, "in-progress")
    assert send(b, upstream, callback(1, "completed")) == 204
    # The final word is the server's record (`call.updated`): no browser of ours answered it, so missed.
    wait_status(dialer, 1, "missed")

    # A loses its database; B takes a call meanwhile, which A cannot hear.
    watch_server_indicator(dialer)
    link.cut()
    assert send(b, upstream, incoming(2)) == 200
    assert send(b, upstream, callback(2, "ringing")) == 204
    assert send(b, upstream, callback(2, "completed")) == 204
    link.mend()
    # Once A listens again it sends `resync`, and the dialer reloads Recent calls.
    # Read from the store: the record says missed, as for call 1.
    wait_status(dialer, 2, "missed", timeout=30)
    states = js(dialer, "return window.__serverStates;")
    assert "offline" not in states, f"the dialer reconnected instead ({states}): not the resync it was to show"


def test_a_dialer_on_a_killed_instance_reconnects_through_nginx_to_b_and_misses_nothing_acknowledged(
        upstream, dialer):
    a, b = upstream.servers
    login(dialer, upstream.public + "/", "bob", a.users["bob"])
    acknowledged = []

    def burst():
        for n in range(100, 400):
            try:
                answer = send(a, upstream, incoming(n))
            except requests.RequestException:
                return  # A is gone: Twilio would retry, NGINX would send it to B
            if answer == 200:
                acknowledged.append(n)

    thread = threading.Thread(target=burst)
    thread.start()
    wait_until(dialer, lambda d: len(acknowledged) >= 25, 30, "A acknowledged some callbacks")
    watch_server_indicator(dialer)
    a.proc.send_signal(signal.SIGKILL)
    thread.join()
    assert acknowledged and acknowledged[-1] < 399, "the burst ended before A was killed"
    # The page sees its socket drop and reconnects (its backoff) through NGINX, now to B.
    wait_until(dialer, lambda d: "offline" in js(d, "return window.__serverStates;"), 20, "the dialer noticed A died")
    wait_attr(dialer, "#ind-server", "data-state", "online", timeout=60)
    assert "/login" not in dialer.current_url
    assert logged(b, "GET /shetphone/ws"), "the dialer did not reconnect to B"
    # Live from B, and the history (read from B after the reconnect) holds the last acknowledged call.
    assert send(b, upstream, incoming(9000)) == 200
    wait_status(dialer, 9000, "ringing")
    wait_status(dialer, acknowledged[-1])  # the last call A acknowledged
    # Every acknowledged call is in the shared history, read through NGINX with the dialer's login.
    cookies = {c["name"]: c["value"] for c in dialer.get_cookies()}
    stored, url = set(), upstream.public + "/api/calls?limit=200"
    while url:
        page = requests.get(url, cookies=cookies, verify=upstream.cert, timeout=10).json()
        stored |= {call["callSid"] for call in page["calls"]}
        url = upstream.public + f"/api/calls?limit=200&before={page['next']}" if page["next"] else None
    missing = [n for n in acknowledged if f"CAdialer{n:04d}" not in stored]
    assert missing == [], f"acknowledged but not stored: {missing}"

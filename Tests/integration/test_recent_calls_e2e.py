"""Recent calls in the browser dialer (headless Chromium, fake Twilio.Device): the history comes
from the server, survives a server restart in the same window (still logged in, the WebSocket
reconnects), is searchable, counts missed calls in the tab title, and shows each user only
their own calls."""
import pytest
import requests
from selenium.webdriver.common.by import By

from dialer_helpers import DESKTOP, console_errors, js, login, make_browser, wait_attr, wait_until
from test_store import SEPARATE_NUMBERS_INI, free_port, incoming_call_callbacks, signed_post


def ini(port):
    return SEPARATE_NUMBERS_INI.replace("listen = 127.0.0.1:0", f"listen = 127.0.0.1:{port}")


def rows(driver):
    return js(driver, """
        return [...document.querySelectorAll('#call-log li')].map(li => ({
            title: li.querySelector('.entry-title').textContent,
            status: li.dataset.status,
        }));""")


def wait_rows(driver, predicate, message):
    return wait_until(driver, lambda d: predicate(rows(d)), message=f"{message}; rows are {rows(driver)}")


def send_call(server, n, answered_by):
    with requests.Session() as http:
        for path, params in incoming_call_callbacks(n, answered_by)[2]:
            assert signed_post(http, server, path, params).status_code in (200, 204)


@pytest.fixture
def browsers():
    made = []

    def make():
        driver = make_browser(DESKTOP, fake_sdk=True, lang="en-GB")
        made.append(driver)
        return driver
    yield make
    problems = []
    for driver in made:
        try:
            # The restart makes the page's socket and one request fail for a moment: expected.
            problems += console_errors(driver, allowed=("ERR_CONNECTION_REFUSED", "WebSocket", "api/"))
        finally:
            driver.quit()
    assert not problems, "browser console errors:\n" + "\n".join(problems)


def test_recent_calls_survive_a_restart_in_the_same_window(shetphone_factory, browsers):
    port = free_port()
    server = shetphone_factory(ini=ini(port))
    send_call(server, 1, "bob")
    send_call(server, 2, None)
    driver = browsers()
    login(driver, server.base_url, "bob", server.users["bob"])
    wait_rows(driver, lambda r: [x["title"] for x in r] == ["Caller 2", "Caller 1"], "two calls listed")
    assert [x["status"] for x in rows(driver)] == ["missed", "completed"]
    wait_until(driver, lambda d: d.title.startswith("(1) "), message=f"missed count in the title: {driver.title}")
    assert driver.find_element(By.ID, "log-missed").text == "1 missed"

    server.stop()
    again = shetphone_factory(ini=ini(port))
    # The same window: its socket reconnects with the cookie it had, no login page in between.
    wait_attr(driver, "#ind-server", "data-state", "online", timeout=60)
    assert "/login" not in driver.current_url
    send_call(again, 3, None)
    wait_rows(driver, lambda r: [x["title"] for x in r][:3] == ["Caller 3", "Caller 2", "Caller 1"],
              "the history after the restart, and a new call pushed live")
    driver.refresh()
    wait_rows(driver, lambda r: [x["title"] for x in r] == ["Caller 3", "Caller 2", "Caller 1"], "the history after a reload")

    # Search by digits in another format; then the missed filter, which also marks them seen.
    search = driver.find_element(By.ID, "log-search")
    search.send_keys("020 7946 0003")
    wait_rows(driver, lambda r: [x["title"] for x in r] == ["Caller 3"], "search by number")
    search.clear()
    search.send_keys(" ")
    driver.find_element(By.ID, "log-missed").click()
    wait_rows(driver, lambda r: [x["title"] for x in r] == ["Caller 3", "Caller 2"], "missed calls only")
    wait_until(driver, lambda d: not d.title.startswith("("), message=f"title after seen: {driver.title}")


def test_each_user_sees_only_their_own_calls_in_the_dialer(shetphone_factory, browsers):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    send_call(server, 4, "bob")
    bob = browsers()
    login(bob, server.base_url, "bob", server.users["bob"])
    wait_rows(bob, lambda r: [x["title"] for x in r] == ["Caller 4"], "bob's call")
    alice = browsers()
    login(alice, server.base_url, "alice", server.users["alice"])
    wait_until(alice, lambda d: js(d, "return document.getElementById('log-empty').hidden === false"),
               message="alice's empty history")
    assert rows(alice) == []
    send_call(server, 5, None)
    wait_rows(bob, lambda r: [x["title"] for x in r] == ["Caller 5", "Caller 4"], "bob hears of the new call")
    assert rows(alice) == []

"""The browser dialer (Public/) end to end: headless Chromium driven by Selenium
against the real `shetphone serve`, with a fake Twilio.Device injected before
the page's scripts (the real SDK would need Twilio's network).

What is real here: the login form and session, api/me, token, presets, the
WebSocket and its events, Twilio-signed /status and /voice webhooks (signed with
the `twilio` library's RequestValidator), the intercom grant routes, logout.
What is fake: only Twilio.Device / Call (fake_twilio_device.js) and Notification.

Every test fails on any SEVERE browser console entry it did not expect."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import socket
import urllib.parse

import pytest
import requests
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from dialer_helpers import (
    DESKTOP, PHONE, REPO, assert_no_console_errors, console_errors, dump_state, fake, fake_run,
    full_page_screenshot, is_shown, js, login, make_browser, open_second_tab, page_url,
    screenshot, set_viewport, wait_attr, wait_dialer_ready, wait_text, wait_until,
)

SDK_MISSING = "Calls are off: the Twilio Voice SDK is not installed (on the server, run: shetphone fetch-sdk)"


# ---------------------------------------------------------------- fixtures

@pytest.fixture
def browser():
    """Makes browsers; at the end checks each one's console, then quits it."""
    made = []

    def make(size=DESKTOP, *, fake_sdk=True, phone=False, allowed_errors=(), lang="en-GB"):
        driver = make_browser(size, fake_sdk=fake_sdk, phone=phone, lang=lang)
        made.append((driver, tuple(allowed_errors)))
        return driver

    yield make
    problems = []
    for driver, allowed in made:
        try:
            for handle in driver.window_handles:
                driver.switch_to.window(handle)
                problems += console_errors(driver, allowed)
        finally:
            driver.quit()
    assert not problems, "browser console errors:\n" + "\n".join(problems)


@pytest.fixture
def server(shetphone_server):
    return shetphone_server


def users_of(server) -> list[tuple[str, str]]:
    users = sorted(server.users.items())
    assert users, "the test server has no users"
    return users


def number_of(server, user: str) -> str:
    """The E.164 number whose calls ring `user`: the `[numbers]` section of the
    server's shetphone.ini (`+442079460174 = alice`, or several users)."""
    numbers = getattr(server, "numbers", None)
    if numbers is None:
        numbers = ini_numbers(pathlib.Path(server.workdir) / "shetphone.ini")
    for number, owners in numbers.items():
        owners = owners.split() if isinstance(owners, str) else list(owners)
        if user in owners:
            return number
    raise AssertionError(f"no number rings {user} in {numbers}")


def ini_numbers(path: pathlib.Path) -> dict[str, str]:
    section, numbers = "", {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(";")[0].split("#")[0].strip() if not line.lstrip().startswith("+") else line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == "numbers" and "=" in line:
            number, owners = (part.strip() for part in line.split("=", 1))
            numbers[number] = owners
    return numbers


def post_signed(server, route: str, params: dict[str, str], query: dict[str, str] | None = None):
    """POSTs a webhook the way Twilio does: form body + X-Twilio-Signature."""
    url = page_url(server.base_url, route)
    if query:
        url += "?" + urllib.parse.urlencode(query)
    signature = server.sign(url, params)
    answer = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert answer.status_code in (200, 204), f"POST {url} -> {answer.status_code}: {answer.text[:300]}"
    return answer


def log_rows(driver) -> list[dict]:
    return js(driver, """
        return [...document.querySelectorAll('#call-log li')].map(li => ({
            title: li.querySelector('.entry-title').textContent,
            sub: li.querySelector('.entry-sub').textContent,
            status: li.dataset.status,
            badge: li.querySelector('.status-badge').textContent,
            direction: li.dataset.direction,
        }));""")


def wait_log(driver, predicate, message):
    return wait_until(driver, lambda d: next((r for r in log_rows(d) if predicate(r)), None),
                      message=f"{message}; log is {log_rows(driver)}")


def presets_on_page(driver) -> list[tuple[str, str]]:
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#presets-list li"),
               message="presets listed (the test config needs a presets.csv)")
    return js(driver, """
        return [...document.querySelectorAll('#presets-list li')].map(li =>
            [li.querySelector('.entry-title').textContent, li.dataset.number]);""")


def type_number(driver, text: str, country: str | None = None):
    field = driver.find_element(By.ID, "number")
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    if country:
        Select(driver.find_element(By.ID, "country")).select_by_value(country)
    field.send_keys(text)
    return field


def press_keys_on_page(driver, keys: str):
    """Key presses with nothing focused, as a keyboard user would after a click elsewhere."""
    js(driver, "document.activeElement && document.activeElement.blur();")
    ActionChains(driver).send_keys(keys).perform()


# ---------------------------------------------------------------- login, presets, number field

def test_dialer_sends_logged_out_visitor_to_login_and_back(server, browser):
    driver = browser()
    user, password = users_of(server)[0]
    login(driver, server.base_url, user, password, via_redirect=True)
    assert driver.current_url.rstrip("/") == page_url(server.base_url).rstrip("/")
    assert driver.find_element(By.CSS_SELECTOR, ".user-name").text == f"Signed in as {user}"
    assert driver.find_element(By.ID, "ind-server").text == "Server: online"
    assert driver.find_element(By.ID, "ind-phone").text == "Phone: ready"
    assert fake(driver, "t.devices.length") == 1
    device_options = fake(driver, "t.device().options")
    assert device_options["codecPreferences"] == ["opus", "pcmu"]
    assert device_options["closeProtection"] is True
    assert fake(driver, "t.device().registerCount") == 1
    presets = presets_on_page(driver)
    assert all(number.startswith("+") for _, number in presets)


def test_typed_number_is_grouped_and_validated(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])

    field = type_number(driver, "07700900456", "GB")
    assert field.get_attribute("value") == "07700 900456"
    wait_text(driver, "#number-hint", "+44 7700 900456")
    assert driver.find_element(By.ID, "number").get_attribute("aria-invalid") == "false"

    # Too short is only called out once the user leaves the field.
    field = type_number(driver, "0770090")
    assert "Too short" not in driver.find_element(By.ID, "number-hint").text
    field.send_keys(Keys.TAB)
    wait_text(driver, "#number-hint", "Too short")
    assert driver.find_element(By.ID, "number").get_attribute("aria-invalid") == "true"

    type_number(driver, "+44 020 7946 0000")
    wait_text(driver, "#number-hint", "do not start with 0")

    type_number(driver, "+999 1234")
    wait_text(driver, "#number-hint", "+999 is not a known country calling code")

    # A +number picks its country; one that shares +1 keeps the chosen one.
    field = type_number(driver, "+12125550100", "GB")
    assert field.get_attribute("value") == "+1 212 555 0100"
    assert Select(driver.find_element(By.ID, "country")).first_selected_option.get_attribute("value") == "US"
    type_number(driver, "+1 416 555 0100", "CA")
    assert Select(driver.find_element(By.ID, "country")).first_selected_option.get_attribute("value") == "CA"

    field = type_number(driver, "0612345678", "FR")
    assert field.get_attribute("value") == "06 12 34 56 78"
    wait_text(driver, "#number-hint", "+33 6 12 34 56 78")

    # An invalid number is never dialled; the field gets the focus back.
    type_number(driver, "+44 77", "GB")
    driver.find_element(By.ID, "call").click()
    wait_text(driver, "#number-hint", "Too short")
    assert fake(driver, "t.connects.length") == 0
    assert js(driver, "return document.activeElement.id") == "number"


def test_number_rules_in_the_page_modules(server, browser):
    """The pure rules behind the field, imported from the served modules."""
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    results = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        Promise.all([import('./js/phone-number.js'), import('./js/live-socket.js')]).then(([pn, ls]) => {
          const p = (text, iso) => { const r = pn.parseNumber(text, iso); return [r.state, r.e164, r.display]; };
          done({
            shetland: p('01595 693000', 'GB'),
            london: p('+44 (0)20 7946 0000', 'DE'),
            intl00: p('0044 7700 900123', 'FR'),
            nanp: p('1 415 555 0123', 'US'),
            hungary: p('06 1 234 5678', 'HU'),
            russia: p('8 912 345 67 89', 'RU'),
            toolong: p('+44 7700 900123 999', 'GB'),
            over15: p('+35312345678901234', 'GB'),
            format: pn.formatE164('+447700900123'),
            backoff: [ls.backoffDelay(0, () => 0), ls.backoffDelay(1, () => 0), ls.backoffDelay(4, () => 0),
                      ls.backoffDelay(5, () => 0), ls.backoffDelay(30, () => 1)],
            wsUrl: ls.socketUrl('ws'),
          });
        }).catch((e) => done('import failed: ' + e));
    """)
    assert isinstance(results, dict), results
    assert results["shetland"] == ["valid", "+441595693000", "01595 693000"]
    assert results["london"] == ["valid", "+442079460000", "+44 20 7946 0000"]
    assert results["intl00"] == ["valid", "+447700900123", "+44 7700 900123"]
    assert results["nanp"] == ["valid", "+14155550123", "1 415 555 0123"]
    assert results["hungary"] == ["valid", "+3612345678", "06 1 234 5678"]
    assert results["russia"] == ["valid", "+79123456789", "8 912 345 67 89"]
    assert results["toolong"][0] == "invalid"
    assert results["over15"][0] == "invalid"
    assert results["format"] == "+44 7700 900123"
    assert results["backoff"] == [1000, 2000, 16000, 30000, 39000]
    base = urllib.parse.urlparse(page_url(server.base_url))
    assert results["wsUrl"] == f"ws://{base.netloc}{base.path}ws"


def test_preset_click_fills_the_field_and_its_button_dials(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    name, number = presets_on_page(driver)[0]
    driver.find_element(By.CSS_SELECTOR, "#presets-list li .preset-fill").click()
    wait_text(driver, "#number-hint", "✓")
    assert re.sub(r"\D", "", driver.find_element(By.ID, "number").get_attribute("value")).endswith(
        re.sub(r"\D", "", number)[-6:])
    assert fake(driver, "t.connects.length") == 0

    driver.find_element(By.CSS_SELECTOR, "#presets-list li .preset-dial").click()
    wait_until(driver, lambda d: fake(d, "t.connects.length") == 1, message="connect() called")
    assert fake(driver, "t.connects[0]") == {"To": number}
    wait_text(driver, "#call-state", f"Calling {name}")
    wait_log(driver, lambda r: r["title"] == name and r["direction"] == "outgoing", "preset call logged")
    driver.find_element(By.ID, "hangup").click()
    wait_text(driver, "#call-state", "Call canceled")
    wait_until(driver, lambda d: "disconnect" in fake(d, "t.lastCall().actions"), message="disconnect()")


# ---------------------------------------------------------------- calls

def test_outgoing_call_shows_live_status_from_signed_webhooks(server, browser):
    driver = browser()
    user, password = users_of(server)[0]
    ours = number_of(server, user)
    login(driver, server.base_url, user, password)

    type_number(driver, "07700 900456", "GB")
    driver.find_element(By.ID, "call").click()
    wait_until(driver, lambda d: fake(d, "t.connects.length") == 1, message="connect() called")
    assert fake(driver, "t.connects[0]") == {"To": "+447700900456"}
    wait_text(driver, "#call-state", "Calling +44 7700 900456")
    assert driver.find_element(By.ID, "number").get_attribute("readonly") is not None
    browser_sid = fake(driver, "t.lastCall().parameters.CallSid")

    # Twilio reports the <Number> leg's progress to /status?number=...&user=...
    leg = {"CallSid": "CA" + "5" * 32, "ParentCallSid": browser_sid, "From": ours,
           "To": "+447700900456", "Direction": "outbound-dial"}
    hints = {"number": ours, "user": user}
    post_signed(server, "status", {**leg, "CallStatus": "ringing"}, hints)
    wait_log(driver, lambda r: r["status"] == "ringing", "ringing from /status")
    wait_text(driver, "#call-state", "Ringing")

    fake_run(driver, "t.lastCall()._remoteAnswer()")
    post_signed(server, "status", {**leg, "CallStatus": "in-progress"}, hints)
    wait_log(driver, lambda r: r["badge"] == "answered", "answered from /status")
    wait_text(driver, "#call-state", "In call with")
    assert is_shown(driver, "#call-timer")
    wait_until(driver, lambda d: d.find_element(By.ID, "call-timer").text not in ("", "0:00"),
               timeout=4, message="call timer running")

    # DTMF: keypad clicks and key presses during the call.
    for key in "1#":
        driver.find_element(By.CSS_SELECTOR, f'#keypad button[data-key="{key}"]').click()
    press_keys_on_page(driver, "2*9")
    wait_until(driver, lambda d: fake(d, "t.lastCall().sentDigits") == "1#2*9",
               message=f"digits sent; state {dump_state(driver)}")
    wait_text(driver, "#dtmf-sent", "Tones sent: 1#2*9")

    mute = driver.find_element(By.ID, "mute")
    mute.click()
    wait_attr(driver, "#mute", "aria-pressed", "true")
    assert fake(driver, "t.lastCall().isMuted()") is True
    assert "Unmute" in mute.text
    mute.click()
    wait_attr(driver, "#mute", "aria-pressed", "false")
    assert fake(driver, "t.lastCall().isMuted()") is False
    assert driver.find_element(By.ID, "dtmf-sent").text == "Tones sent: 1#2*9"

    driver.find_element(By.ID, "hangup").click()
    wait_until(driver, lambda d: "disconnect" in fake(d, "t.lastCall().actions"), message="disconnect()")
    wait_text(driver, "#call-state", "Call ended")
    assert driver.find_element(By.ID, "number").get_attribute("readonly") is None

    post_signed(server, "status", {**leg, "CallStatus": "completed", "CallDuration": "42"}, hints)
    row = wait_log(driver, lambda r: r["badge"] == "completed 0:42", "completed with Twilio's duration")
    assert row["direction"] == "outgoing"
    assert len(log_rows(driver)) == 1, log_rows(driver)


def test_call_that_cannot_start_says_why(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    fake_run(driver, "t.failNextConnect = {code: 31208, message: 'User denied access to microphone'}")
    type_number(driver, "+44 7700 900456", "GB")
    driver.find_element(By.ID, "call").click()
    wait_text(driver, "#banner-problem", "User denied access to microphone")
    wait_text(driver, "#call-state", "Call failed")
    wait_log(driver, lambda r: r["status"] == "failed", "failed call logged")
    assert is_shown(driver, "#call") and not is_shown(driver, "#hangup")
    driver.find_element(By.ID, "problem-close").click()
    assert not is_shown(driver, "#banner-problem")


def test_status_of_a_call_from_another_tab_appears_in_the_log(server, browser):
    driver = browser()
    user, password = users_of(server)[0]
    ours = number_of(server, user)
    login(driver, server.base_url, user, password)
    leg = {"CallSid": "CA" + "6" * 32, "ParentCallSid": "CA" + "7" * 32, "From": ours,
           "To": "+12125550147", "Direction": "outbound-dial"}
    post_signed(server, "status", {**leg, "CallStatus": "busy"}, {"number": ours, "user": user})
    row = wait_log(driver, lambda r: r["status"] == "busy", "busy call in the log")
    assert "+1 212 555 0147" in row["title"] + row["sub"]


def test_incoming_call_named_from_presets_notifies_and_answers(server, browser):
    driver = browser()
    user, password = users_of(server)[0]
    ours = number_of(server, user)
    login(driver, server.base_url, user, password)
    name, caller = presets_on_page(driver)[0]

    # Twilio asks /voice what to do with a call to our number: the server rings
    # our browsers and tells them who is calling.
    parent = "CA" + "8" * 32
    twiml = post_signed(server, "voice", {"CallSid": parent, "From": caller, "To": ours,
                                          "Direction": "inbound", "CallStatus": "ringing"}).text
    assert f">{user}<" in twiml.replace(" ", ""), twiml
    wait_log(driver, lambda r: r["direction"] == "incoming" and r["title"] == name, "call.incoming logged")

    fake_run(driver, f"t.device()._incoming({caller!r}, 'client:{user}')")
    wait_text(driver, "#call-state", f"Incoming call from {name}")
    assert is_shown(driver, "#answer") and is_shown(driver, "#reject")
    assert not is_shown(driver, "#call")
    assert "Incoming call" in driver.title
    notes = fake(driver, "t.notifications.map(n => [n.title, n.body, n.closed])")
    assert len(notes) == 1 and notes[0][0] == "Incoming call" and name in notes[0][1], notes

    # Clicking the desktop notification focuses the tab and answers.
    fake_run(driver, "t.notifications[0]._click()")
    wait_until(driver, lambda d: "accept" in fake(d, "t.lastCall().actions"), message="accept()")
    wait_text(driver, "#call-state", f"In call with {name}")
    assert fake(driver, "t.notifications[0].closed") is True
    assert "Incoming call" not in driver.title
    client_leg = {"CallSid": "CA" + "9" * 32, "ParentCallSid": parent, "From": caller,
                  "To": f"client:{user}", "Direction": "outbound-dial"}
    post_signed(server, "status", {**client_leg, "CallStatus": "in-progress"}, {"number": ours})
    wait_log(driver, lambda r: r["badge"] == "answered", "incoming call answered")
    fake_run(driver, "t.lastCall()._remoteHangup()")
    wait_text(driver, "#call-state", "Call ended")
    rows = log_rows(driver)
    assert len(rows) == 1 and rows[0]["direction"] == "incoming", rows

    # A second call is rejected with the button.
    fake_run(driver, "t.device()._incoming('+447700900777', 'client:x')")
    wait_text(driver, "#call-state", "Incoming call from +44 7700 900777")
    driver.find_element(By.ID, "reject").click()
    wait_until(driver, lambda d: "reject" in fake(d, "t.lastCall().actions"), message="reject()")
    wait_log(driver, lambda r: r["status"] == "rejected", "rejected call logged")

    # A third caller gives up before anyone answers: a missed call.
    fake_run(driver, "t.device()._incoming('+447700900778', 'client:x')")
    wait_text(driver, "#call-state", "Incoming call from")
    fake_run(driver, "t.lastCall()._remoteCancel()")
    wait_text(driver, "#call-state", "Missed call")
    wait_log(driver, lambda r: r["status"] == "missed" and "900778" in r["title"].replace(" ", ""),
             "missed call logged")


def test_answer_and_hang_up_by_keyboard_alone(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = js(driver, "const a = document.activeElement; return [a.className, getComputedStyle(a).outlineStyle];")
    assert focused[0] == "skip-link" and focused[1] != "none", focused
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_until(driver, lambda d: js(d, "return document.activeElement.id") == "number",
               message="skip link focuses the number field")
    ActionChains(driver).send_keys("+1 212 555 0100", Keys.ENTER).perform()
    wait_until(driver, lambda d: fake(d, "t.connects.length") == 1, message="Enter dials")
    assert fake(driver, "t.connects[0]") == {"To": "+12125550100"}
    fake_run(driver, "t.lastCall()._remoteAnswer()")
    wait_text(driver, "#call-state", "In call")
    press_keys_on_page(driver, "5")
    wait_until(driver, lambda d: fake(d, "t.lastCall().sentDigits") == "5", message="key press sent as DTMF")
    for _ in range(40):
        if js(driver, "return document.activeElement.id") == "hangup":
            break
        ActionChains(driver).send_keys(Keys.TAB).perform()
    assert js(driver, "return document.activeElement.id") == "hangup"
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_until(driver, lambda d: "disconnect" in fake(d, "t.lastCall().actions"), message="hang up by Enter")
    # The hidden Hang up button hands the focus to the Call button that replaces it.
    assert js(driver, "return document.activeElement.id") == "call"

    # An incoming call while nothing has the focus: Answer gets it, Enter answers.
    js(driver, "document.activeElement.blur();")
    fake_run(driver, "t.device()._incoming('+447700900779', 'client:x')")
    wait_until(driver, lambda d: js(d, "return document.activeElement.id") == "answer", message="Answer focused")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_until(driver, lambda d: "accept" in fake(d, "t.lastCall().actions"), message="answered by Enter")
    wait_until(driver, lambda d: js(d, "return document.activeElement.id") == "hangup", message="Hang up focused")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait_until(driver, lambda d: "disconnect" in fake(d, "t.lastCall().actions"), message="hung up by Enter")


def test_token_is_refreshed_and_device_registers_again(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    assert fake(driver, "t.tokens.length") == 1
    fake_run(driver, "t.device()._tokenWillExpire()")
    wait_until(driver, lambda d: fake(d, "t.tokens.length") == 2, message="token fetched on tokenWillExpire")
    assert fake(driver, "t.device().token === t.tokens[1]")

    fake_run(driver, "t.device()._dropRegistration()")
    wait_attr(driver, "#ind-phone", "data-state", "unregistered")
    wait_attr(driver, "#ind-phone", "data-state", "registered", timeout=5)
    assert fake(driver, "t.device().registerCount") == 2

    fake_run(driver, "t.device()._fail(31205, 'JWT Token Expired')")
    wait_until(driver, lambda d: fake(d, "t.tokens.length") == 3, message="token fetched after a token error")


def test_page_without_the_sdk_says_calls_are_off(server, browser):
    if (REPO / "Public" / "vendor" / "twilio.min.js").exists():
        pytest.skip("Public/vendor/twilio.min.js is installed here, so calls are not off")
    driver = browser(fake_sdk=False, allowed_errors=("twilio.min.js",))
    login(driver, server.base_url, *users_of(server)[0], phone_ready=False)
    wait_attr(driver, "#ind-phone", "data-state", "off")
    wait_text(driver, "#banner-sdk", SDK_MISSING)
    assert driver.find_element(By.ID, "ind-phone").text == "Phone: calls off"
    presets_on_page(driver)
    type_number(driver, "+44 7700 900456")
    driver.find_element(By.ID, "call").click()
    wait_text(driver, "#banner-problem", "Calls are off")


# ---------------------------------------------------------------- intercom, logout

INTERCOM_FROM = "+442079460999"
INTERCOM_INI = """
[intercom]
expected_from = {intercom}
dial = +447700900123
grant_minutes = 60
max_grant_minutes = 720
open_digits = 9
""".format(intercom=INTERCOM_FROM)


@pytest.fixture
def intercom_server(shetphone_factory):
    """The default server plus an [intercom] that only answers INTERCOM_FROM."""
    from conftest import DEFAULT_INI
    return shetphone_factory(ini=DEFAULT_INI + INTERCOM_INI)


def openings_on_page(driver) -> list[str]:
    return js(driver, "return [...document.querySelectorAll('#openings li')].map(li => li.textContent);")


def test_grant_started_extended_and_ended_shows_in_a_second_window(intercom_server, browser):
    server = intercom_server
    users = users_of(server)
    first, second = browser(), browser()
    login(first, server.base_url, *users[0])
    login(second, server.base_url, *users[-1])
    for driver in (first, second):
        wait_until(driver, lambda d: d.find_element(By.ID, "grant-state").text != "Loading…",
                   message="intercom state loaded")
        wait_text(driver, "#grant-state", "No grant")
    assert not is_shown(first, "#grant-countdown")

    first.find_element(By.CSS_SELECTOR, 'input[name="minutes"][value="15"]').click()
    assert first.find_element(By.ID, "grant-start").text == "Open the door for 15 min"
    first.find_element(By.ID, "grant-start").click()
    wait_attr(first, "#grant-box", "data-active", "true")
    wait_text(first, "#grant-state", f"started by {users[0][0]}")

    wait_attr(second, "#grant-box", "data-active", "true")
    wait_text(second, "#grant-state", "opens for everyone")
    countdown = wait_text(second, "#grant-countdown", "left")
    assert re.fullmatch(r"1[45]:\d\d left", countdown), countdown
    assert is_shown(second, "#grant-extend") and is_shown(second, "#grant-end")

    # The intercom rings during the grant: the server opens the door, both windows list it.
    post_signed(server, "intercom", {"CallSid": "CA" + "3" * 32, "From": INTERCOM_FROM,
                                     "To": "+15005550006", "Direction": "inbound", "CallStatus": "ringing"})
    for driver in (first, second):
        wait_until(driver, lambda d: any("Opened during a grant" in text and "+44 20 7946 0999" in text
                                         for text in openings_on_page(d)),
                   message=f"door opening listed; openings {openings_on_page(driver)}")

    second.find_element(By.CSS_SELECTOR, 'input[name="minutes"][value="60"]').click()
    second.find_element(By.ID, "grant-extend").click()
    wait_until(first, lambda d: re.fullmatch(r"1:1[45]:\d\d left", d.find_element(By.ID, "grant-countdown").text),
               message="first window sees the extension")

    first.find_element(By.ID, "grant-end").click()
    wait_attr(second, "#grant-box", "data-active", "false")
    wait_text(second, "#grant-state", "No grant")
    assert not is_shown(second, "#grant-countdown")
    assert is_shown(second, "#grant-start")


def test_logout_in_one_tab_sends_the_other_to_login(server, browser):
    driver = browser()
    user, password = users_of(server)[0]
    login(driver, server.base_url, user, password)
    first = driver.current_window_handle
    second = open_second_tab(driver, page_url(server.base_url))
    wait_dialer_ready(driver)
    assert_no_console_errors(driver)

    driver.switch_to.window(first)
    driver.find_element(By.ID, "logout").click()
    wait_until(driver, lambda d: "/login" in d.current_url, message="logged-out tab at login")
    driver.switch_to.window(second)
    wait_until(driver, lambda d: "/login" in d.current_url, message="other tab sent to login by the event")
    # The session is really gone: the dialer sends us straight back to login.
    driver.get(page_url(server.base_url))
    wait_until(driver, lambda d: "/login" in d.current_url, message="dialer needs a new login")
    driver.get_log("browser")  # that last api/me 401 was the point of the check


def test_dialer_works_under_a_path_prefix(shetphone_factory, browser):
    """[app] base_path = /shetphone: every URL of the page is relative, WebSocket included."""
    from conftest import DEFAULT_INI
    server = shetphone_factory(ini=DEFAULT_INI.replace("[app]\n", "[app]\nbase_path = /shetphone\n", 1))
    prefixed = server.base_url + "/shetphone"
    driver = browser()
    user, password = users_of(server)[0]
    login(driver, prefixed, user, password, via_redirect=True)
    assert urllib.parse.urlparse(driver.current_url).path == "/shetphone/"
    presets_on_page(driver)
    type_number(driver, "+44 7700 900456")
    driver.find_element(By.ID, "call").click()
    wait_until(driver, lambda d: fake(d, "t.connects.length") == 1, message="call placed under the prefix")
    driver.find_element(By.ID, "hangup").click()
    driver.find_element(By.ID, "logout").click()
    wait_until(driver, lambda d: urllib.parse.urlparse(d.current_url).path == "/shetphone/login",
               message="logout lands on the prefixed login page")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_page_shows_offline_and_reconnects_after_a_server_restart(shetphone_factory, browser):
    from conftest import DEFAULT_INI
    port = free_port()
    ini = DEFAULT_INI.replace("listen = 127.0.0.1:0", f"listen = 127.0.0.1:{port}")
    assert f":{port}" in ini
    server = shetphone_factory(ini=ini)
    # While the server is down the browser reports the refused connections; that is the point.
    driver = browser(allowed_errors=("WebSocket connection to", "ERR_CONNECTION_REFUSED", "status of 401"))
    login(driver, server.base_url, *users_of(server)[0])

    server.stop()
    wait_attr(driver, "#ind-server", "data-state", "offline")
    assert driver.find_element(By.ID, "ind-server").text == "Server: offline"
    wait_text(driver, "#banner-offline", "Offline: no connection to the server")

    shetphone_factory(ini=ini)
    # Back online, or (sessions live in memory) sent to log in again: either way it noticed.
    wait_until(driver, lambda d: "/login" in d.current_url
               or d.find_element(By.ID, "ind-server").get_attribute("data-state") == "online",
               timeout=40, message="reconnected after the restart")
    if "/login" not in driver.current_url:
        assert not is_shown(driver, "#banner-offline")


# ---------------------------------------------------------------- look

def test_screenshots_on_desktop_and_phone(server, browser):
    user, password = users_of(server)[0]
    ours = number_of(server, user)
    desktop = browser(DESKTOP)
    login(desktop, server.base_url, user, password)
    presets_on_page(desktop)
    type_number(desktop, "07700 900456", "GB")
    desktop.find_element(By.ID, "call").click()
    wait_until(desktop, lambda d: fake(d, "t.connects.length") == 1, message="call placed")
    fake_run(desktop, "t.lastCall()._remoteAnswer()")
    leg = {"CallSid": "CA" + "4" * 32, "ParentCallSid": fake(desktop, "t.lastCall().parameters.CallSid"),
           "From": ours, "To": "+447700900456", "Direction": "outbound-dial"}
    post_signed(server, "status", {**leg, "CallStatus": "in-progress"}, {"number": ours, "user": user})
    wait_log(desktop, lambda r: r["badge"] == "answered", "answered")
    desktop.find_element(By.ID, "grant-start").click()
    wait_attr(desktop, "#grant-box", "data-active", "true")
    wait_until(desktop, lambda d: d.find_element(By.ID, "call-timer").text not in ("", "0:00"), timeout=4,
               message="timer running")
    path = screenshot(desktop, "dialer-desktop.png")
    assert path.stat().st_size > 10_000
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        # The README shows this one; refresh it on purpose only, not on every run.
        shutil.copyfile(path, REPO / "docs" / "dialer.png")

    phone = browser(PHONE, phone=True)
    login(phone, server.base_url, user, password)
    presets_on_page(phone)
    type_number(phone, "01595 693000", "GB")
    assert js(phone, "return document.documentElement.scrollWidth") <= PHONE[0]
    screenshot(phone, "dialer-phone.png")
    full_page_screenshot(phone, "dialer-phone-full.png", PHONE, phone=True)

    # Nothing may overflow sideways on the smallest common phone width either.
    set_viewport(phone, (360, 740), phone=True)
    assert js(phone, "return document.documentElement.scrollWidth") <= 360
    phone.find_element(By.ID, "logout").click()
    wait_until(phone, lambda d: "/login" in d.current_url, message="login page")
    assert js(phone, "return document.documentElement.scrollWidth") <= 360
    screenshot(phone, "login-phone.png")
    for name in ("dialer-desktop.png", "dialer-phone.png", "dialer-phone-full.png", "login-phone.png"):
        assert (pathlib.Path(REPO) / "artifacts" / name).exists()

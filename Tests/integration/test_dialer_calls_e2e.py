"""How calls end, as the dialer shows them (headless Chromium + the fake Twilio.Device, against the
real server and its signed webhooks): the server's outcome of an outgoing call (busy, no answer),
two browsers ringing for one call, and the phone's retry discipline when Twilio refuses tokens."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

from selenium.webdriver.common.by import By

from dialer_helpers import fake, fake_run, login, wait_attr, wait_text, wait_until
from test_dialer_e2e import browser, log_rows, number_of, post_signed, server, type_number, users_of, wait_log  # noqa: F401

CALLER = "+447700900123"


def place_call(driver, national: str = "07700 900456") -> str:
    """Dials from the page; returns the browser call's CallSid."""
    before = fake(driver, "t.calls.length")
    type_number(driver, national, "GB")
    driver.find_element(By.ID, "call").click()
    wait_until(driver, lambda d: fake(d, "t.calls.length") == before + 1, message="connect()")
    wait_text(driver, "#call-state", "Calling")
    return fake(driver, "t.lastCall().parameters.CallSid")


def dial_ended(server, user: str, browser_sid: str, status: str, to: str = "+447700900456") -> ET.Element:
    """Twilio's `<Dial action>` request for the browser's call; returns the TwiML."""
    answer = post_signed(server, "voice", {"CallSid": browser_sid, "From": "client:" + user, "To": to,
                                           "Direction": "inbound", "DialCallSid": "CA9" + browser_sid[3:],
                                           "DialCallStatus": status})
    return ET.fromstring(answer.content)


def test_busy_callee_is_said_and_shown_in_the_panel_and_the_log(server, browser):
    driver = browser()
    user, password = users_of(server)[0]
    login(driver, server.base_url, user, password)

    sid = place_call(driver)
    root = dial_ended(server, user, sid, "busy")
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert root.find("Say").text == "Sorry, the number is busy."
    wait_log(driver, lambda r: r["status"] == "busy", "busy from the server's call.outcome")
    fake_run(driver, "t.lastCall()._remoteHangup()")  # Twilio hangs up after the <Say>
    text = wait_text(driver, "#call-state", "The number is busy")
    assert "Call ended" not in text
    rows = log_rows(driver)
    assert len(rows) == 1 and rows[0]["badge"] == "busy", rows

    # The server's word may also come after the phone already hung up.
    sid = place_call(driver, "07700 900457")
    fake_run(driver, "t.lastCall()._remoteHangup()")
    wait_text(driver, "#call-state", "Call ended")
    root = dial_ended(server, user, sid, "no-answer", to="+447700900457")
    assert root.find("Say").text == "Sorry, there was no answer."
    wait_text(driver, "#call-state", "There was no answer")
    wait_log(driver, lambda r: r["status"] == "no-answer" and "7700 900457" in r["title"] + r["sub"], "no answer")


def test_two_dialers_ringing_one_answers_neither_shows_canceled(server, browser):
    users = dict(users_of(server))
    ours = "+15005550006"
    assert number_of(server, "bob") == ours and number_of(server, "carol") == ours
    bob, carol = browser(), browser()
    login(bob, server.base_url, "bob", users["bob"])
    login(carol, server.base_url, "carol", users["carol"])

    parent = "CA" + "1" * 32
    post_signed(server, "voice", {"CallSid": parent, "From": CALLER, "To": ours, "Direction": "inbound"})
    legs = {}
    for name, driver in (("bob", bob), ("carol", carol)):
        wait_log(driver, lambda r: r["direction"] == "incoming", f"{name}: call.incoming")
        fake_run(driver, f"t.device()._incoming('{CALLER}', 'client:{name}')")
        wait_text(driver, "#call-state", "Incoming call")
        legs[name] = fake(driver, "t.lastCall().parameters.CallSid")
    assert legs["bob"] != legs["carol"]

    carol.find_element(By.ID, "answer").click()
    wait_text(carol, "#call-state", "In call with")
    hints = {"number": ours}
    leg = {"ParentCallSid": parent, "From": CALLER, "Direction": "outbound-dial"}
    post_signed(server, "status", {**leg, "CallSid": legs["carol"], "To": "client:carol", "CallStatus": "in-progress"}, hints)
    for driver in (bob, carol):
        wait_log(driver, lambda r: r["status"] == "in-progress" or r["badge"] == "answered", "answered")
    # Twilio cancels the leg that rang bob.
    post_signed(server, "status", {**leg, "CallSid": legs["bob"], "To": "client:bob", "CallStatus": "canceled"}, hints)
    fake_run(bob, "t.lastCall()._remoteCancel()")
    wait_text(bob, "#call-state", "Answered on another phone")
    # One more event through each socket, so the canceled one has surely been applied before.
    post_signed(server, "status", {**leg, "CallSid": legs["carol"], "To": "client:carol", "CallStatus": "completed",
                                   "CallDuration": "7"}, hints)
    for name, driver in (("bob", bob), ("carol", carol)):
        row = wait_log(driver, lambda r: r["status"] == "completed", f"{name}: completed")
        statuses = [r["status"] for r in log_rows(driver)]
        assert statuses == ["completed"], (name, log_rows(driver))
        assert row["badge"] == "completed 0:07", row
    assert "canceled" not in carol.find_element(By.ID, "call-state").text.lower()


def token_requests(server) -> int:
    return len(re.findall(r"GET /token\b", server.log()))


def test_a_token_twilio_keeps_refusing_stops_after_a_few_tries(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    wait_until(driver, lambda d: token_requests(server) == 1, message=f"one token at start; log {server.log()[-2000:]}")

    # 31206 (rate limit) is no token error: no new token.
    fake_run(driver, "t.device()._fail(31206, 'Rate exceeded authorized limit')")
    wait_text(driver, "#banner-problem", "Rate exceeded")
    time.sleep(1.5)
    assert token_requests(server) == 1 and fake(driver, "t.tokens.length") == 1

    # From now on Twilio refuses every token: the phone fetches a few, backing off, then stops.
    # The Device loses its registration and every attempt to register again is refused.
    fake_run(driver, "t.refuseTokens = {code: 20101, message: 'AccessTokenInvalid'}")
    fake_run(driver, "t.device()._dropRegistration()")
    wait_text(driver, "#banner-problem", "Twilio keeps refusing this phone's token", timeout=30)
    wait_attr(driver, "#ind-phone", "data-state", "error")
    requests_made = token_requests(server)
    registers = fake(driver, "t.device().registerCount")
    assert requests_made == 1 + 3, server.log()[-3000:]

    # Nothing brings the loop back: not the SDK's events, not the network coming back.
    fake_run(driver, "t.device()._fail(20101, 'AccessTokenInvalid')")
    fake_run(driver, "t.device()._dropRegistration()")
    fake_run(driver, "t.device()._tokenWillExpire()")
    driver.execute_script("window.dispatchEvent(new Event('online'))")
    time.sleep(3)
    assert token_requests(server) == requests_made
    assert fake(driver, "t.device().registerCount") == registers

"""Calling back from where a person is read or heard: "Call back" on a voicemail and "Call" in an
open text thread place the call through the dialer (the fake Twilio SDK records `connect`), and
a sender that is no phone number (a name, as some senders text from) offers no call."""
from selenium.webdriver.common.by import By

from dialer_helpers import fake, login, wait_text, wait_until
from test_dialer_accessibility import assert_accessible
from test_dialer_e2e import browser, server  # noqa: F401 (fixtures)
from test_texts import inbound
from test_voicemail import RECORDING, recording_callback

CALLER = "+447700900123"


def test_call_back_from_a_voicemail(server, browser):
    driver = browser()
    login(driver, server.base_url, "bob", server.users["bob"])
    assert recording_callback(server, caller=CALLER).status_code == 204
    button = wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'li[data-sid="{RECORDING}"] .voicemail-call'),
                        message="the voicemail's Call back")[0]
    assert button.text == "Call back" and button.get_attribute("aria-label") == "Call back +44 7700 900123"
    assert_accessible(driver, "voicemail with Call back")
    assert fake(driver, "t.connects.length") == 0
    button.click()
    wait_until(driver, lambda d: fake(d, "t.connects.length") == 1, message="connect() called")
    assert fake(driver, "t.connects[0]") == {"To": CALLER}
    wait_text(driver, "#call-state", "+44 7700 900123")
    # While that call goes on, another Call back does nothing.
    button.click()
    assert fake(driver, "t.connects.length") == 1


def test_call_from_an_open_text_thread_and_none_for_a_sender_name(server, browser):
    driver = browser()
    login(driver, server.base_url, "bob", server.users["bob"])
    assert inbound(server, 60, "Ring me", sender=CALLER).status_code == 200
    assert inbound(server, 61, "Your parcel is here", sender="DPD").status_code == 200
    wait_until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#threads .thread-open")) == 2, message="two threads")

    named = [b for b in driver.find_elements(By.CSS_SELECTOR, "#threads .thread-open") if "DPD" in b.text][0]
    named.click()
    wait_text(driver, "#thread-messages", "Your parcel is here")
    assert not driver.find_element(By.ID, "thread-call").is_displayed(), "a sender name cannot be called"
    driver.find_element(By.ID, "thread-back").click()

    person = [b for b in driver.find_elements(By.CSS_SELECTOR, "#threads .thread-open") if "Ring me" in b.text][0]
    person.click()
    wait_text(driver, "#thread-messages", "Ring me")
    call = driver.find_element(By.ID, "thread-call")
    assert call.is_displayed() and call.text == "Call"
    assert_accessible(driver, "a text thread with Call")
    call.click()
    wait_until(driver, lambda d: fake(d, "t.connects.length") == 1, message="connect() called")
    assert fake(driver, "t.connects[0]") == {"To": CALLER}

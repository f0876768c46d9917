"""axe-core (through axe-selenium-python) on the login page and on the dialer in
each state a caller meets: idle, ringing, in a call (with a quality warning and
the audio settings open), the shortcuts list, and the German page. Any serious or
critical violation fails the test, with axe's own report."""

from __future__ import annotations

from axe_selenium_python import Axe
from selenium.webdriver.common.by import By

from dialer_helpers import PHONE, fake, fake_run, js, login, page_url, set_viewport, wait_text, wait_until
from test_dialer_e2e import browser, server, type_number, users_of  # noqa: F401 (fixtures)

BLOCKING = ("serious", "critical")


def assert_accessible(driver, state: str) -> None:
    axe = Axe(driver)
    axe.inject()
    results = axe.run()
    assert results["passes"], f"axe checked nothing on {state}"
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING]
    assert not blocking, f"{state}: " + axe.report(blocking)


def test_login_page_has_no_serious_accessibility_violation(server, browser):
    driver = browser()
    driver.get(page_url(server.base_url, "login"))
    wait_until(driver, lambda d: d.find_elements(By.NAME, "username"), message="login form")
    assert_accessible(driver, "login page")
    driver.find_element(By.NAME, "username").send_keys("nobody")
    driver.find_element(By.NAME, "password").send_keys("wrong")
    driver.find_element(By.NAME, "password").submit()
    wait_until(driver, lambda d: d.find_element(By.ID, "login-error").is_displayed(), message="login error shown")
    assert_accessible(driver, "login page with an error")


def test_dialer_has_no_serious_accessibility_violation_in_any_call_state(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#presets-list li"), message="presets")
    assert_accessible(driver, "dialer, idle")

    fake_run(driver, "t.device()._incoming('+447700900901', 'client:x')")
    wait_text(driver, "#call-state", "Incoming call")
    assert_accessible(driver, "dialer, ringing")
    driver.find_element(By.ID, "answer").click()
    wait_text(driver, "#call-state", "In call")
    fake_run(driver, "t.lastCall()._warn('high-packet-loss')")
    wait_text(driver, "#call-quality", "Poor connection")
    driver.find_element(By.CSS_SELECTOR, "#audio-settings summary").click()
    wait_until(driver, lambda d: fake(d, "t.device().audio.availableInputDevices.size") > 0, message="devices")
    assert_accessible(driver, "dialer, in a call")
    driver.find_element(By.ID, "hangup").click()

    js(driver, "document.activeElement.blur();")
    driver.find_element(By.ID, "shortcuts-open").click()
    wait_until(driver, lambda d: js(d, "return document.getElementById('shortcuts').open"), message="shortcuts")
    assert_accessible(driver, "shortcuts list")


def test_german_dialer_on_a_phone_has_no_serious_accessibility_violation(server, browser):
    driver = browser(PHONE, phone=True, lang="de-DE")
    login(driver, server.base_url, *users_of(server)[0])
    wait_until(driver, lambda d: js(d, "return document.documentElement.lang") == "de", message="German page")
    type_number(driver, "+44 7700 900456")
    assert_accessible(driver, "German dialer at phone width")

    # The smallest common phone: the audio settings and the shortcuts list fit without sideways scrolling.
    set_viewport(driver, (360, 740), phone=True)
    driver.find_element(By.CSS_SELECTOR, "#audio-settings summary").click()
    wait_until(driver, lambda d: fake(d, "t.device().audio.availableInputDevices.size") > 0, message="devices")
    assert js(driver, "return document.documentElement.scrollWidth") <= 360
    js(driver, "document.getElementById('shortcuts').showModal()")
    assert js(driver, "return document.getElementById('shortcuts').getBoundingClientRect().right") <= 360
    assert_accessible(driver, "German shortcuts list at 360 px")

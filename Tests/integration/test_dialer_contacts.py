"""The contacts panel in Chromium (fake Twilio Device): a contact added in the page names its
number in an incoming call and in the call log; search; edit and delete; a broken vCard file
imported through the file picker lists every bad row and keeps nothing; axe finds no serious
violation with the form open and the import report shown."""

from __future__ import annotations

import os

from selenium.webdriver.common.by import By

from dialer_helpers import fake, fake_run, js, login, wait_text, wait_until
from test_dialer_accessibility import assert_accessible
from test_dialer_e2e import browser, log_rows, server, users_of, wait_log  # noqa: F401 (fixtures)

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "contacts")


def contact_titles(driver) -> list[str]:
    return js(driver, "return [...document.querySelectorAll('#contacts-list li .entry-title')].map(e => e.textContent)")


def fill_form(driver, name: str, numbers: str) -> None:
    field = driver.find_element(By.ID, "contact-name")
    field.clear()
    field.send_keys(name)
    area = driver.find_element(By.ID, "contact-numbers")
    area.clear()
    area.send_keys(numbers)
    driver.find_element(By.ID, "contact-save").click()


def test_a_contact_added_in_the_page_names_calls_and_is_edited_and_deleted(server, browser):
    # The 400 of the broken import is expected; Chromium logs every failed fetch.
    driver = browser(allowed_errors=("status of 400",))
    user, password = users_of(server)[0]
    login(driver, server.base_url, user, password)
    wait_text(driver, "#contacts-empty", "No contacts yet")

    driver.find_element(By.ID, "contacts-add").click()
    fill_form(driver, "Zara Example", "cell: 07700 900555")   # national: in the country of the user's number
    wait_until(driver, lambda d: contact_titles(d) == ["Zara Example"], message="contact listed")
    wait_text(driver, "#contacts-status", "Zara Example saved.")

    fake_run(driver, "t.device()._incoming('+447700900555', 'client:x')")
    wait_text(driver, "#call-state", "Incoming call from Zara Example")
    wait_log(driver, lambda r: r["title"] == "Zara Example", "the call log names the contact")
    driver.find_element(By.ID, "reject").click()
    wait_until(driver, lambda d: "reject" in fake(d, "t.lastCall().actions"), message="reject()")

    search = driver.find_element(By.ID, "contacts-search")
    search.send_keys("nobody")
    wait_until(driver, lambda d: contact_titles(d) == [], message="search hides the contact")
    wait_text(driver, "#contacts-empty", "No contact matches.")
    search.clear()
    search.send_keys("900555")
    wait_until(driver, lambda d: contact_titles(d) == ["Zara Example"], message="search by number")

    # A broken file: every bad card listed with its line, nothing kept.
    driver.find_element(By.ID, "contacts-file").send_keys(os.path.abspath(os.path.join(FIXTURES, "broken.vcf")))
    wait_until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#contacts-problems li")) == 4, message="bad rows")
    problems = [li.text for li in driver.find_elements(By.CSS_SELECTOR, "#contacts-problems li")]
    assert [p.split(":")[0] for p in problems] == ["Line 9", "Line 11", "Line 17", "Line 21"], problems
    assert "was not imported" in driver.find_element(By.ID, "contacts-status").text
    assert contact_titles(driver) == ["Zara Example"]

    driver.find_element(By.CSS_SELECTOR, "#contacts-list .contact-edit").click()
    assert driver.find_element(By.ID, "contact-name").get_attribute("value") == "Zara Example"
    assert_accessible(driver, "contacts, form open and an import report shown")
    fill_form(driver, "Zara Edited", "+44 7700 900555")
    wait_until(driver, lambda d: contact_titles(d) == ["Zara Edited"], message="contact renamed")

    driver.find_element(By.CSS_SELECTOR, "#contacts-list .contact-delete").click()
    driver.switch_to.alert.accept()
    wait_until(driver, lambda d: contact_titles(d) == [], message="contact deleted")
    wait_text(driver, "#contacts-status", "Zara Edited deleted.")

"""The Messages view in Chromium: a text signed like Twilio's arrives live in the
thread list with its unread count and a preset's name, opens into its thread, the
compose box counts GSM-7 and UCS-2 segments as the user types, axe finds no
serious violation, and the view fits a 360 px phone."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from dialer_helpers import PHONE, js, login, set_viewport, text_of, wait_text, wait_until
from test_dialer_accessibility import assert_accessible
from test_dialer_e2e import browser, server  # noqa: F401 (fixtures)
from test_texts import inbound

OFFICE = "+442079460000"   # the "Office" preset of the default config


def test_a_text_arrives_live_opens_and_compose_counts_segments(server, browser):
    driver = browser()
    login(driver, server.base_url, "bob", server.users["bob"])
    wait_text(driver, "#threads-empty", "No texts yet")

    assert inbound(server, 40, "Door code please", sender=OFFICE).status_code == 200
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#threads li.unread"), message="the new thread")
    row = text_of(driver, "#threads li")
    assert "Office" in row and "Door code please" in row, row
    assert text_of(driver, "#threads .badge") == "1"
    assert_accessible(driver, "messages, a new thread")

    driver.find_element(By.CSS_SELECTOR, "#threads .thread-open").click()
    wait_text(driver, "#thread-messages", "Door code please")
    assert "Office" in text_of(driver, "#thread-title")
    assert js(driver, "return document.getElementById('text-to').value") == OFFICE
    wait_until(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "#threads li.unread"), message="thread read")

    # A second text to the open thread appears in it live.
    assert inbound(server, 41, "Thanks!", sender=OFFICE).status_code == 200
    wait_text(driver, "#thread-messages", "Thanks!")

    body = driver.find_element(By.ID, "text-body")
    body.send_keys("a" * 161)
    wait_text(driver, "#text-count", "2 SMS (GSM-7)")
    body.send_keys("ж")
    wait_text(driver, "#text-count", "3 SMS (UCS-2)")
    assert_accessible(driver, "messages, a thread open while writing")

    set_viewport(driver, (360, 740), phone=True)
    assert js(driver, "return document.documentElement.scrollWidth") <= 360
    assert js(driver, "return document.getElementById('text-body').getBoundingClientRect().right") <= 360


def test_a_user_on_another_number_sees_none_of_its_texts(shetphone_factory, browser):
    from conftest import DEFAULT_INI
    from test_texts import ALICE, SHARED, threads
    from test_twilio import login as api_login
    server = shetphone_factory(ini=DEFAULT_INI.replace("alice = +442079460174 +15005550006", "alice = +442079460174"))
    driver = browser()
    login(driver, server.base_url, "alice", server.users["alice"])
    wait_text(driver, "#threads-empty", "No texts yet")
    assert inbound(server, 50, "for bob and carol only", to=SHARED).status_code == 200
    assert inbound(server, 51, "for alice", to=ALICE).status_code == 200
    wait_text(driver, "#threads", "for alice")
    # Texts reach dialers in the order they were kept: the earlier one for bob's number would be shown by now.
    assert len(driver.find_elements(By.CSS_SELECTOR, "#threads li")) == 1
    assert "for bob and carol only" not in text_of(driver, "#threads")
    assert [t["last"]["body"] for t in threads(api_login(server, "bob"), server)] == ["for bob and carol only"]


def test_the_dialers_counter_agrees_with_the_servers_on_known_examples(server, browser):
    """Public/js/text-segments.js against the same examples as TextSegmentsTests.swift."""
    driver = browser()
    login(driver, server.base_url, "bob", server.users["bob"])
    examples = [("", "GSM-7", 0, 0), ("a" * 160, "GSM-7", 160, 1), ("a" * 161, "GSM-7", 161, 2),
                ("a" * 306, "GSM-7", 306, 2), ("a" * 307, "GSM-7", 307, 3),
                ("€" * 80, "GSM-7", 160, 1), ("€" * 81, "GSM-7", 162, 2),
                ("a" * 152 + "€" + "a" * 7, "GSM-7", 161, 2), ("a" * 152 + "€" * 77, "GSM-7", 306, 3),
                ("ж" * 70, "UCS-2", 70, 1), ("ж" * 71, "UCS-2", 71, 2), ("ж" * 135, "UCS-2", 135, 3),
                ("😀" * 35, "UCS-2", 70, 1), ("😀" * 36, "UCS-2", 72, 2), ("a" * 66 + "😀" * 3, "UCS-2", 72, 2)]
    counted = driver.execute_async_script("""
        const [texts, done] = arguments;
        import('./js/text-segments.js').then((m) => done(texts.map((text) => m.textSegments(text))));
    """, [example[0] for example in examples])
    assert [(c["encoding"], c["units"], c["segments"]) for c in counted] == [e[1:] for e in examples]

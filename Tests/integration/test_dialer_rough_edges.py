"""Rough edges a user of the dialer meets, against the real binary in Chromium (fake Voice SDK):
a call missed while the page is open counts on the Missed button and in the tab title (it was
counted only when its first news was already "missed"), a call missed while the missed filter is
on shows in that list, and a voicemail names its caller like the rest of the page does
("Office (+44 20 7946 0000)", "+44 7700 900123", not "+447700900123"), and on a phone a missed
call's whole number shows beside its call button (its status goes under it); a number in a country
`allowed_countries` leaves out is refused in the page with the reason, not dialled to be refused
by a voice on the line; a contact saved for a caller names their voicemail and texts at once, as
it did Recent calls; on a small phone in German a contact's name keeps its width, no voicemail
button runs off the screen and the grant lengths fit their boxes; the contact form closes with Esc and leaves the keyboard where the
user was (the button that opened it, the saved contact's row, "Add contact" after a delete); a call
of another day shows its date once, and a German page writes German dates and times; the login
page's errors are said in the page's language; an API refusal shows the server's reason without
the request's path."""
import re
import urllib.parse

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import ACCOUNT_SID, DEFAULT_INI
from dialer_helpers import DESKTOP, fake, js, login, make_browser, screenshot, text_of, wait_text, wait_until
from test_dialer_accessibility import assert_accessible
from test_intercom import login as api_login
from test_store import SEPARATE_NUMBERS_INI, incoming_call_callbacks, signed_post

BOB_NUMBER = "+15005550006"
SMALL_PHONE = (360, 740)  # a common small Android screen


def send_call(server, n, answered_by):
    with requests.Session() as http:
        for path, params in incoming_call_callbacks(n, answered_by)[2]:
            assert signed_post(http, server, path, params).status_code in (200, 204)


def titles(driver):
    return js(driver, "return [...document.querySelectorAll('#call-log li .entry-title')].map(e => e.textContent)")


def missed_button(driver):
    return driver.find_element(By.ID, "log-missed").text


def test_calls_missed_while_the_page_is_open_are_counted_and_listed(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    driver = make_browser(DESKTOP, fake_sdk=True, lang="en-GB")
    try:
        login(driver, server.base_url, "bob", server.users["bob"])
        base_title = driver.title
        send_call(server, 1, None)  # rings bob and carol, nobody answers
        wait_until(driver, lambda d: titles(d) == ["Caller 1"], message=f"the call listed: {titles(driver)}")
        wait_until(driver, lambda d: missed_button(d) == "1 missed", message=f"the count: {missed_button(driver)}")
        assert driver.title == f"(1) {base_title}", driver.title
        send_call(server, 2, "bob")  # answered: not missed, the count stays
        wait_until(driver, lambda d: titles(d) == ["Caller 2", "Caller 1"], message=f"{titles(driver)}")
        assert missed_button(driver) == "1 missed"

        # The missed filter marks them seen; a call missed meanwhile joins that list, and is new.
        driver.find_element(By.ID, "log-missed").click()
        wait_until(driver, lambda d: titles(d) == ["Caller 1"] and missed_button(d) == "Missed",
                   message=f"missed only: {titles(driver)}, {missed_button(driver)}")
        send_call(server, 3, None)
        wait_until(driver, lambda d: titles(d) == ["Caller 3", "Caller 1"], message=f"{titles(driver)}")
        wait_until(driver, lambda d: missed_button(d) == "1 missed", message=f"the count: {missed_button(driver)}")
        assert driver.title == f"(1) {base_title}", driver.title
    finally:
        driver.quit()


def voicemail(server, sid, caller):
    url = server.url("/voicemail/recording?" + urllib.parse.urlencode({"number": BOB_NUMBER, "caller": caller}))
    params = {"AccountSid": ACCOUNT_SID, "CallSid": "CA" + sid[2:], "RecordingSid": sid, "RecordingStatus": "completed",
              "RecordingDuration": "7",
              "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"}
    with requests.Session() as http:
        assert signed_post(http, server, url[len(server.base_url):], params).status_code == 204


def test_a_voicemail_names_its_caller_like_the_rest_of_the_page(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    driver = make_browser(DESKTOP, fake_sdk=True, lang="en-GB")
    try:
        login(driver, server.base_url, "bob", server.users["bob"])
        voicemail(server, "RE" + "1" * 32, "+447700900123")
        voicemail(server, "RE" + "2" * 32, "+442079460000")  # the preset "Office"
        wait_until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#voicemails .voicemail-who")) == 2,
                   message="two voicemails")
        who = js(driver, "return [...document.querySelectorAll('#voicemails .voicemail-who')].map(e => e.textContent.split(' · ')[0])")
        assert sorted(who) == ["+44 7700 900123", "Office (+44 20 7946 0000)"], who
        labels = js(driver, "return [...document.querySelectorAll('#voicemails .voicemail-call')].map(b => b.getAttribute('aria-label'))")
        assert sorted(labels) == ["Call back +44 7700 900123", "Call back Office (+44 20 7946 0000)"], labels
        assert_accessible(driver, "voicemail with a named and an unnamed caller")
    finally:
        driver.quit()


def test_on_a_phone_a_missed_calls_whole_number_shows_beside_its_call_button(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    driver = make_browser(SMALL_PHONE, fake_sdk=True, phone=True, lang="en-GB")
    try:
        login(driver, server.base_url, "bob", server.users["bob"])
        root = "CA" + "5" * 32
        call = {"CallSid": root, "From": "+447700900123", "To": BOB_NUMBER, "Direction": "inbound", "AccountSid": ACCOUNT_SID}
        with requests.Session() as http:
            assert signed_post(http, server, "/voice", call).status_code == 200
            assert signed_post(http, server, "/voice", {**call, "DialCallStatus": "no-answer"}).status_code == 200
        wait_text(driver, "#call-log", "missed")
        row = js(driver, """
            const li = document.querySelector('#call-log li');
            const title = li.querySelector('.entry-title');
            const box = (e) => e.getBoundingClientRect();
            return {title: title.textContent, cut: title.scrollWidth > title.clientWidth,
                    badgeBelow: box(li.querySelector('.status-badge')).top >= box(title).bottom - 1,
                    button: !li.querySelector('.round-btn').hidden,
                    inside: box(li.querySelector('.round-btn')).right <= box(li).right + 0.5};""")
        assert row == {"title": "+44 7700 900123", "cut": False, "badgeBelow": True, "button": True, "inside": True}, row
        js(driver, "document.querySelector('#call-log').scrollIntoView()")
        driver.find_element(By.CSS_SELECTOR, "#call-log").screenshot(str(screenshot(driver, "dialer-phone-recent-calls.png")))
    finally:
        driver.quit()


def test_a_number_in_a_country_the_server_refuses_is_refused_in_the_page_with_the_reason(shetphone_factory):
    # allowed_countries = GB US; a preset may still name a number elsewhere.
    server = shetphone_factory(ini=DEFAULT_INI.replace("[presets]\n", "[presets]\nBeijing = +8613800138000\n"))
    assert api_login(server).get(server.url("/api/me"), timeout=5).json()["allowedCountries"] == ["GB", "US"]
    driver = make_browser(DESKTOP, fake_sdk=True, lang="en-GB")
    try:
        login(driver, server.base_url, "alice", server.users["alice"])
        field = driver.find_element(By.ID, "number")
        field.send_keys("+86 138 0013 8000")
        wait_text(driver, "#number-hint", "+86 138 0013 8000 · calls to China are not allowed here")
        assert field.get_attribute("aria-invalid") == "true"
        field.send_keys(Keys.ENTER)
        # The preset's call button: the field takes its number and says why nothing is dialled.
        field.clear()
        driver.find_element(By.CSS_SELECTOR, ".preset-dial[aria-label*='Beijing']").click()
        wait_until(driver, lambda d: d.find_element(By.ID, "number").get_attribute("value") == "+86 138 0013 8000",
                   message="the preset's number in the field")
        wait_text(driver, "#number-hint", "+86 138 0013 8000 · calls to China are not allowed here")
        assert_accessible(driver, "a number the server refuses")
        assert fake(driver, "t.connects.length") == 0 and text_of(driver, "#call-state") == "Ready"

        field.clear()
        field.send_keys("+1 212 555 0147")
        wait_text(driver, "#number-hint", "✓ +1 212 555 0147")
        field.send_keys(Keys.ENTER)
        wait_until(driver, lambda d: fake(d, "t.connects.length") == 1, message="connect() for an allowed country")
        assert fake(driver, "t.connects[0]") == {"To": "+12125550147"}
    finally:
        driver.quit()


def test_a_new_contact_names_its_voicemail_and_texts_at_once(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    driver = make_browser(DESKTOP, fake_sdk=True, lang="en-GB")
    try:
        login(driver, server.base_url, "bob", server.users["bob"])
        voicemail(server, "RE" + "3" * 32, "+447700900123")
        text = {"MessageSid": "SM" + "3" * 32, "AccountSid": ACCOUNT_SID, "From": "+447700900123", "To": BOB_NUMBER,
                "Body": "Parcel at the door", "NumMedia": "0", "SmsStatus": "received"}
        with requests.Session() as http:
            assert signed_post(http, server, "/sms", text).status_code == 200
        wait_text(driver, "#voicemails", "+44 7700 900123")
        wait_text(driver, "#threads", "+44 7700 900123")
        js(driver, "document.querySelector('#voicemails audio').dataset.marker = 'kept'")

        # Another of bob's sessions (his phone) saves the caller as a contact.
        answer = api_login(server, "bob").post(server.url("/api/contacts"), timeout=5,
                                               json={"name": "Dana", "numbers": [{"label": "mobile", "number": "+447700900123"}]})
        assert answer.status_code in (200, 201), answer.text
        wait_text(driver, "#voicemails", "Dana (+44 7700 900123)")
        wait_text(driver, "#threads", "Dana (+44 7700 900123)")
        assert js(driver, "return document.querySelector('#voicemails .voicemail-call').getAttribute('aria-label')") == \
            "Call back Dana (+44 7700 900123)"
        # Renamed in place: the voicemail's player is the one that was there (a playing message goes on).
        assert js(driver, "return document.querySelector('#voicemails audio').dataset.marker") == "kept"
    finally:
        driver.quit()


def test_on_a_small_phone_in_german_contacts_and_voicemail_fit_the_screen(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    answer = api_login(server, "bob").post(server.url("/api/contacts"), timeout=5,
                                           json={"name": "Dana", "numbers": [{"label": "mobile", "number": "+447700900123"}]})
    assert answer.status_code in (200, 201), answer.text
    voicemail(server, "RE" + "4" * 32, "+447700900123")
    driver = make_browser(SMALL_PHONE, fake_sdk=True, phone=True, lang="de-DE")
    try:
        login(driver, server.base_url, "bob", server.users["bob"])
        wait_text(driver, "#contacts-list", "Bearbeiten")
        wait_text(driver, "#voicemails", "Löschen")
        sizes = js(driver, """
            const width = document.documentElement.clientWidth;
            const buttons = [...document.querySelectorAll('#contacts-list button, #voicemails .btn')];
            return {width, entry: Math.round(document.querySelector('#contacts-list .entry-text').getBoundingClientRect().width),
                    outside: buttons.filter((b) => b.getBoundingClientRect().right > width).map((b) => b.textContent)};""")
        # The name and number keep a readable width; no button runs off the screen.
        assert sizes["entry"] >= 150 and sizes["outside"] == [], sizes
        # Each grant length's words fit in its box ("2 Stunden" ran over its border).
        cramped = js(driver, """return [...document.querySelectorAll('#grant-form .lengths label')]
            .filter((l) => l.scrollWidth > l.clientWidth).map((l) => l.textContent.trim());""")
        assert cramped == [], cramped
        js(driver, "document.querySelector('#contacts-list').scrollIntoView()")
        driver.find_element(By.CSS_SELECTOR, "#contacts-list").screenshot(str(screenshot(driver, "dialer-phone-de-contacts.png")))
    finally:
        driver.quit()


def focused(driver):
    return js(driver, "const a = document.activeElement; return a.id || a.getAttribute('aria-label') || a.tagName")


def test_the_contact_form_keeps_the_keyboard_in_place(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    driver = make_browser(DESKTOP, fake_sdk=True, lang="en-GB")
    try:
        login(driver, server.base_url, "bob", server.users["bob"])
        add = driver.find_element(By.ID, "contacts-add")
        js(driver, "arguments[0].focus()", add)
        add.send_keys(Keys.ENTER)
        wait_until(driver, lambda d: focused(d) == "contact-name", message="the name field focused")
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # Esc closes the form, as a dialog
        wait_until(driver, lambda d: js(d, "return document.getElementById('contact-form').hidden"), message="form closed")
        assert focused(driver) == "contacts-add"

        add.send_keys(Keys.ENTER)
        wait_until(driver, lambda d: focused(d) == "contact-name", message="the name field focused")
        driver.switch_to.active_element.send_keys("Eve")
        driver.find_element(By.ID, "contact-numbers").send_keys("+447700900999")
        driver.find_element(By.ID, "contact-name").send_keys(Keys.ENTER)
        # Saved: the keyboard is on the new contact's row, not thrown back to the top of the page.
        wait_until(driver, lambda d: focused(d) == "Edit Eve", message=f"focus on Eve's row: {focused(driver)}")
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        wait_until(driver, lambda d: focused(d) == "contact-name", message="the edit form")
        cancel = driver.find_element(By.ID, "contact-cancel")
        js(driver, "arguments[0].focus()", cancel)
        cancel.send_keys(Keys.ENTER)
        wait_until(driver, lambda d: focused(d) == "Edit Eve", message=f"back on Eve's Edit: {focused(driver)}")
        # Another session adds a contact: the list is drawn anew, and the focus stays on Eve's Edit.
        answer = api_login(server, "bob").post(server.url("/api/contacts"), timeout=5,
                                               json={"name": "Finn", "numbers": [{"label": "", "number": "+447700900998"}]})
        assert answer.status_code in (200, 201), answer.text
        wait_text(driver, "#contacts-list", "Finn")
        assert focused(driver) == "Edit Eve"

        js(driver, "window.confirm = () => true")
        driver.find_element(By.CSS_SELECTOR, ".contact-delete[aria-label='Delete Eve']").send_keys(Keys.ENTER)
        wait_text(driver, "#contacts-status", "Eve")
        wait_until(driver, lambda d: focused(d) == "contacts-add", message=f"after the delete: {focused(driver)}")
    finally:
        driver.quit()


def test_an_older_call_shows_its_date_once_and_a_german_page_writes_german_times(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    send_call(server, 1, "bob")  # a week ago
    driver = make_browser(DESKTOP, fake_sdk=True, lang="de-DE")
    try:
        login(driver, server.base_url, "bob", server.users["bob"])
        wait_until(driver, lambda d: titles(d) == ["Caller 1"], message=f"the call listed: {titles(driver)}")
        when = js(driver, "return document.querySelector('#call-log .entry-sub').textContent").split(" · ")
        # "16. Nov. 14:05": the day once (it was "Nov 16 Nov 16, 02:05 PM"), a 24-hour German clock.
        assert [part for part in when if re.fullmatch(r"\d{1,2}\. \w+\.? \d{2}:\d{2}", part)], when
        assert not re.search(r"AM|PM", " ".join(when)), when
    finally:
        driver.quit()


def test_the_login_pages_errors_are_in_the_pages_language(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    german = make_browser(DESKTOP, fake_sdk=True, lang="de-DE")
    try:
        german.get(server.url("/login"))
        wait_text(german, "button[type=submit]", "Anmelden")
        german.find_element(By.NAME, "username").send_keys("bob")
        german.find_element(By.NAME, "password").send_keys("wrong")
        german.find_element(By.NAME, "password").submit()
        # It said "Wrong user name or password." on a German page.
        wait_text(german, "#login-error", "Benutzername oder Passwort falsch.")
        assert_accessible(german, "German login page with an error")
    finally:
        german.quit()
    # Too many failures: the page's English words say "1 second", not "1 seconds" (login.js
    # matches either and says them in the page's language).
    session = requests.Session()
    for attempt in range(12):
        token = re.search(r'name="csrf" value="([^"]+)"', session.get(server.url("/login"), timeout=5).text).group(1)
        answer = session.post(server.url("/login"), allow_redirects=False, timeout=10,
                              data={"username": "bob", "password": f"guess-{attempt}", "csrf": token, "next": "/"})
        if answer.status_code == 429:
            break
    assert answer.status_code == 429, answer.status_code
    seconds = int(answer.headers["Retry-After"])
    assert f"Try again in {seconds} second{'' if seconds == 1 else 's'}." in answer.text, answer.text


def test_a_refused_text_says_the_servers_reason_without_the_api_path(shetphone_factory):
    server = shetphone_factory(ini=SEPARATE_NUMBERS_INI)
    driver = make_browser(DESKTOP, fake_sdk=True, lang="en-GB")
    try:
        login(driver, server.base_url, "bob", server.users["bob"])
        driver.find_element(By.ID, "text-to").send_keys("+8613800138000")
        driver.find_element(By.ID, "text-body").send_keys("Hello")
        driver.find_element(By.ID, "text-send").click()
        shown = wait_text(driver, "#text-error", "not allowed")
        # It read "Not sent: api/messages: to: texts to CN ...": the request's path means nothing to a user.
        assert shown == "Not sent: to: texts to CN are not allowed (allowed_countries)", shown
    finally:
        driver.quit()

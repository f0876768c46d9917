"""The intercom ringing in the dialer, against the real binary: the forward's signed webhook
answers each browser's `<Client>` with `<Parameter name="intercom">` and the door's
`openDigits`, and the page (the fake Voice SDK handing those over as `customParameters`, as the
SDK does) shows the intercom, not a bare number: its contact name or "Intercom", the door icon,
buttons that say whom they answer, and once talking an "Open the door" button that plays the
door's tones. During a grant the door opens without a `<Dial>`: nothing rings, the page only
lists the opening. English and German; axe passes."""
import xml.etree.ElementTree as ET

import pytest
from selenium.webdriver.common.by import By

from conftest import DEFAULT_INI
from dialer_helpers import DESKTOP, fake, fake_run, js, login, make_browser, screenshot, wait_text, wait_until
from test_dialer_accessibility import assert_accessible
from test_intercom import INTERCOM, RESIDENT, login as api_login
from test_intercom_answered_by import OURS, signed_post

CALL = "CA" + "3" * 32


@pytest.fixture
def server(shetphone_factory):
    return shetphone_factory(ini=DEFAULT_INI + f"\n[intercom]\nexpected_from = {INTERCOM}\ndial = {RESIDENT}\n"
                             "ring_clients = alice\nopen_digits = w9#\n")


def forward_parameters(server, sid=CALL):
    """The intercom's webhook forwards: alice's `<Client>`'s `<Parameter>`s, as the SDK passes them on."""
    form = {"CallSid": sid, "AccountSid": server.account_sid, "From": INTERCOM, "To": OURS}
    answer = signed_post(server, server.url("/intercom"), form)
    assert answer.status_code == 200, answer.text
    client = ET.fromstring(answer.content).find("Dial/Client")
    assert client is not None and client.findtext("Identity") == "alice", answer.text
    return {p.attrib["name"]: p.attrib["value"] for p in client.findall("Parameter")}


def ring(driver, custom):
    fake_run(driver, f"t.device()._incoming({INTERCOM!r}, 'client:alice', {js_object(custom)})")


def js_object(pairs):
    return "{" + ", ".join(f"{name!r}: {value!r}" for name, value in pairs.items()) + "}"


def panel(driver):
    """What the call panel shows: its words, whether the door icon leads them, the buttons shown
    and the names the answer and reject buttons are read out with."""
    return js(driver, """
        const shown = (id) => !document.getElementById(id).hidden;
        const name = (id) => document.getElementById(id).getAttribute('aria-label');
        const state = document.getElementById('call-state');
        return {state: state.textContent, door: Boolean(state.querySelector('use[href="#i-door"]')),
                answer: shown('answer') ? name('answer') || 'Answer' : null,
                reject: shown('reject') ? name('reject') || 'Reject' : null,
                openDoor: shown('open-door'), caller: document.body.dataset.caller};""")


def test_the_intercom_rings_as_the_intercom_and_its_door_opens_from_the_call(server):
    parameters = forward_parameters(server)
    assert parameters == {"intercom": "true", "openDigits": "w9#"}, parameters

    dialer = make_browser(DESKTOP, fake_sdk=True)
    try:
        login(dialer, server.base_url, "alice", server.users["alice"])
        ring(dialer, parameters)
        wait_text(dialer, "#call-state", "Intercom is calling")
        assert panel(dialer) == {"state": "Intercom is calling", "door": True, "answer": "Answer Intercom",
                                 "reject": "Reject Intercom", "openDoor": False, "caller": "intercom"}
        assert dialer.title.startswith("Intercom is calling · "), dialer.title
        notes = fake(dialer, "t.notifications.map(n => [n.title, n.body])")
        assert notes == [["The intercom is calling", "Intercom"]], notes
        wait_text(dialer, "#announcer", "Intercom is calling. Answer or reject")
        assert_accessible(dialer, "the intercom ringing")
        screenshot(dialer, "dialer-intercom-ringing.png")

        dialer.find_element(By.ID, "answer").click()
        wait_text(dialer, "#call-state", "In call with Intercom")
        shown = panel(dialer)
        assert (shown["door"], shown["openDoor"], shown["answer"]) == (True, True, None), shown
        assert_accessible(dialer, "talking to the intercom")
        dialer.find_element(By.ID, "open-door").click()
        wait_until(dialer, lambda d: fake(d, "t.lastCall().sentDigits") == "w9#", message="the door's tones sent")
        fake_run(dialer, "t.lastCall()._remoteHangup()")
        wait_text(dialer, "#call-state", "Call ended (Intercom)")
        assert panel(dialer)["caller"] == ""

        # An ordinary caller afterwards: no door, plain buttons, no door button once talking.
        fake_run(dialer, "t.device()._incoming('+447700900555', 'client:alice')")
        wait_text(dialer, "#call-state", "Incoming call from +44 7700 900555")
        assert panel(dialer) == {"state": "Incoming call from +44 7700 900555", "door": False, "answer": "Answer",
                                 "reject": "Reject", "openDoor": False, "caller": ""}
        dialer.find_element(By.ID, "answer").click()
        wait_text(dialer, "#call-state", "In call with")
        assert not panel(dialer)["openDoor"]
        assert "Incoming call" not in dialer.title and "is calling" not in dialer.title
    finally:
        dialer.quit()


def test_in_german_the_intercom_rings_under_its_contact_name(shetphone_factory):
    ini = DEFAULT_INI.replace("[presets]\n", f"[presets]\nHaustür = {INTERCOM}\n") \
        + f"\n[intercom]\nexpected_from = {INTERCOM}\nring_clients = alice\n"
    server = shetphone_factory(ini=ini)
    parameters = forward_parameters(server)
    german = make_browser(DESKTOP, fake_sdk=True, lang="de-DE")
    try:
        login(german, server.base_url, "alice", server.users["alice"])
        ring(german, parameters)
        wait_text(german, "#call-state", "Haustür ruft an")
        assert panel(german) == {"state": "Haustür ruft an", "door": True, "answer": "Annehmen: Haustür",
                                 "reject": "Ablehnen: Haustür", "openDoor": False, "caller": "intercom"}
        assert fake(german, "t.notifications.map(n => [n.title, n.body])") == [["Die Sprechanlage ruft an", "Haustür"]]
        assert_accessible(german, "German: the intercom ringing")
        german.find_element(By.ID, "answer").click()
        wait_text(german, "#call-state", "Im Gespräch mit Haustür")
        assert german.find_element(By.ID, "open-door").text == "Tür öffnen"
        german.find_element(By.ID, "open-door").click()
        wait_until(german, lambda d: fake(d, "t.lastCall().sentDigits") == "ww9", message="the default tones")
        wait_text(german, "#announcer", "Türtöne gesendet")
    finally:
        german.quit()


def test_during_a_grant_the_door_opens_and_nothing_rings(server):
    dialer = make_browser(DESKTOP, fake_sdk=True)
    try:
        login(dialer, server.base_url, "alice", server.users["alice"])
        grant = api_login(server).post(server.url("/api/intercom/grant"), json={"minutes": 15}, timeout=5)
        assert grant.status_code == 200, grant.text
        form = {"CallSid": CALL, "AccountSid": server.account_sid, "From": INTERCOM, "To": OURS}
        answer = signed_post(server, server.url("/intercom"), form)
        verbs = [verb.tag for verb in ET.fromstring(answer.content)]
        assert verbs == ["Play", "Pause"], answer.text  # no <Dial>: no browser is rung
        # The page hears of the opening only: a row in Recent calls, the words for screen readers.
        wait_text(dialer, "#call-log", "Door opened: grant")
        wait_text(dialer, "#announcer", "The intercom opened the door.")
        assert panel(dialer)["state"] == "Ready" and js(dialer, "return document.body.dataset.phase") == "idle"
        assert fake(dialer, "t.calls.length") == 0 and fake(dialer, "t.notifications.length") == 0
        assert "is calling" not in dialer.title and "Incoming call" not in dialer.title
    finally:
        dialer.quit()

"""The dialer's audio devices, call-quality indicator, errors in words and
keyboard shortcuts, in headless Chromium with fake media devices
(--use-fake-device-for-media-stream): the device lists are the browser's own,
the fake Twilio.Device's `audio` records what the page chose."""

from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from dialer_helpers import fake, fake_run, is_shown, js, login, wait_dialer_ready, wait_text, wait_until
from test_dialer_e2e import browser, server, type_number, users_of  # noqa: F401 (fixtures)


def open_audio_settings(driver):
    if not js(driver, "return document.getElementById('audio-settings').open"):
        driver.find_element(By.CSS_SELECTOR, "#audio-settings summary").click()
    wait_until(driver, lambda d: len(Select(d.find_element(By.ID, "audio-input")).options) >= 3,
               message="the fake microphones listed")


def options(driver, select_id: str) -> dict[str, str]:
    return js(driver, f"""return Object.fromEntries([...document.getElementById('{select_id}').options]
                           .map(o => [o.textContent, o.value]));""")


def choose(driver, select_id: str, label: str) -> str:
    def pick(d):
        # The page may re-list the devices meanwhile (a stale option just means "again").
        Select(d.find_element(By.ID, select_id)).select_by_visible_text(label)
        return True
    wait_until(driver, pick, message=f"{label!r} chosen in #{select_id}")
    return options(driver, select_id)[label]


def start_answered_call(driver, number="+44 7700 900456"):
    type_number(driver, number, "GB")
    driver.find_element(By.ID, "call").click()
    wait_until(driver, lambda d: fake(d, "t.lastCall() && t.lastCall()._status") == "connecting",
               message="call placed")
    fake_run(driver, "t.lastCall()._remoteAnswer()")
    wait_text(driver, "#call-state", "In call")


def test_audio_devices_are_listed_chosen_passed_to_the_sdk_and_kept_after_reload(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    open_audio_settings(driver)
    assert {"Fake Default Audio Input", "Fake Audio Input 1", "Fake Audio Input 2"} <= set(options(driver, "audio-input"))
    assert {"Fake Audio Output 1", "Fake Audio Output 2"} <= set(options(driver, "audio-speaker"))
    # Nothing chosen yet: the page does not open a microphone on its own.
    assert fake(driver, "t.audio.inputSets") == []

    mic = choose(driver, "audio-input", "Fake Audio Input 1")
    wait_until(driver, lambda d: fake(d, "t.audio.inputSets") == [mic], message="setInputDevice(mic)")
    speaker = choose(driver, "audio-speaker", "Fake Audio Output 1")
    wait_until(driver, lambda d: fake(d, "t.audio.speakerSets") == [[speaker]], message="speakerDevices.set")
    ringer = choose(driver, "audio-ringtone", "Fake Audio Output 2")
    wait_until(driver, lambda d: fake(d, "t.audio.ringtoneSets") == [[ringer]], message="ringtoneDevices.set")

    driver.find_element(By.ID, "audio-test").click()
    wait_until(driver, lambda d: fake(d, "t.audio.tests.length") == 1, message="speaker test played")
    assert fake(driver, "t.audio.tests[0]")["devices"] == [speaker]
    wait_text(driver, "#audio-note", "Fake Audio Output 1")

    fake_run(driver, "t.device().audio._inputVolume(0.625)")
    assert js(driver, "return document.getElementById('mic-level').value") == 0.625

    driver.refresh()
    wait_dialer_ready(driver)
    open_audio_settings(driver)
    wait_until(driver, lambda d: fake(d, "t.audio.ringtoneSets") == [[ringer]], message="choices applied again")
    assert fake(driver, "t.audio.inputSets") == [mic]
    assert fake(driver, "t.audio.speakerSets") == [[speaker]]
    wait_until(driver, lambda d: [d.find_element(By.ID, name).get_attribute("value")
                                  for name in ("audio-input", "audio-speaker", "audio-ringtone")]
               == [mic, speaker, ringer], message="the lists show the kept choices")


def test_unplugged_devices_fall_back_to_the_default_mid_call_and_say_so(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    open_audio_settings(driver)
    mic = choose(driver, "audio-input", "Fake Audio Input 2")
    speaker = choose(driver, "audio-speaker", "Fake Audio Output 2")
    wait_until(driver, lambda d: fake(d, "t.audio.speakerSets") == [[speaker]], message="speaker chosen")
    start_answered_call(driver)

    fake_run(driver, f"t.device().audio._unplug({mic!r})")
    wait_text(driver, "#audio-note", 'The microphone "Fake Audio Input 2" was unplugged: using the default microphone.')
    wait_until(driver, lambda d: fake(d, "t.audio.inputSets") == [mic, "default"], message="back to the default mic")
    assert driver.find_element(By.ID, "audio-input").get_attribute("value") == "default"
    assert "Fake Audio Input 2" not in options(driver, "audio-input")
    wait_text(driver, "#announcer", "was unplugged")

    fake_run(driver, f"t.device().audio._unplug({speaker!r})")
    wait_text(driver, "#audio-note", 'The speaker "Fake Audio Output 2" was unplugged: using the default speaker.')
    wait_until(driver, lambda d: d.find_element(By.ID, "audio-speaker").get_attribute("value") == "default",
               message="speaker list back on the default")
    # The call itself went on.
    assert "In call" in driver.find_element(By.ID, "call-state").text


def test_quality_warnings_show_as_one_indicator_and_clear_themselves(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    start_answered_call(driver)
    assert not is_shown(driver, "#call-quality")

    fake_run(driver, "t.lastCall()._warn('high-rtt', {name: 'rtt', threshold: {name: 'max', value: 400}})")
    wait_text(driver, "#call-quality", "Slow connection: expect a delay.")
    fake_run(driver, "t.lastCall()._warn('high-packet-loss')")
    wait_text(driver, "#call-quality", "Poor connection: the sound may break up.")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".call-quality")) == 1
    fake_run(driver, "t.lastCall()._clearWarning('high-packet-loss')")
    wait_text(driver, "#call-quality", "Slow connection")
    fake_run(driver, "t.lastCall()._clearWarning('high-rtt')")
    wait_until(driver, lambda d: not is_shown(d, "#call-quality"), message="indicator cleared")

    fake_run(driver, "t.lastCall()._warn('constant-audio-input-level')")
    wait_text(driver, "#call-quality", "Your microphone sends no sound")
    driver.find_element(By.ID, "hangup").click()
    wait_until(driver, lambda d: not is_shown(d, "#call-quality"), message="indicator gone with the call")


def test_sdk_errors_are_said_in_words(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    fake_run(driver, "t.failNextConnect = {code: 31208, message: 'User denied access to microphone'}")
    type_number(driver, "+44 7700 900456", "GB")
    driver.find_element(By.ID, "call").click()
    wait_text(driver, "#banner-problem", "The microphone is blocked: allow it for this site in the browser")
    assert "31208" in driver.find_element(By.ID, "banner-problem").text
    fake_run(driver, "t.device()._fail(31005, 'Connection with Twilio was interrupted.')")
    wait_text(driver, "#banner-problem", "The connection to Twilio failed: check the network")


def press(driver, *keys):
    ActionChains(driver).send_keys(*keys).perform()


def test_keyboard_shortcuts_call_answer_reject_hang_up_and_list_themselves(server, browser):
    driver = browser()
    login(driver, server.base_url, *users_of(server)[0])
    field = type_number(driver, "07700 900456", "GB")
    field.send_keys(Keys.ESCAPE)
    assert field.get_attribute("value") == ""

    type_number(driver, "07700 900456", "GB")
    js(driver, "document.activeElement.blur();")
    press(driver, Keys.ENTER)
    wait_until(driver, lambda d: fake(d, "t.connects.length") == 1, message="Enter calls")
    press(driver, "h")
    wait_until(driver, lambda d: "disconnect" in fake(d, "t.lastCall().actions"), message="H hangs up")

    js(driver, "document.activeElement.blur();")
    fake_run(driver, "t.device()._incoming('+447700900801', 'client:x')")
    wait_text(driver, "#call-state", "Incoming call")
    press(driver, Keys.ESCAPE)
    wait_until(driver, lambda d: "reject" in fake(d, "t.lastCall().actions"), message="Escape rejects")

    fake_run(driver, "t.device()._incoming('+447700900802', 'client:x')")
    wait_text(driver, "#call-state", "Incoming call from +44 7700 900802")
    # A key typed where text goes stays there: 'a' in a list answers nothing.
    open_audio_settings(driver)
    wait_until(driver, lambda d: d.find_element(By.ID, "audio-input").send_keys("a") is None,
               message="a key typed into the microphone list")
    assert "accept" not in fake(driver, "t.lastCall().actions")
    js(driver, "document.activeElement.blur();")
    press(driver, "a")
    wait_until(driver, lambda d: "accept" in fake(d, "t.lastCall().actions"), message="A answers")
    wait_text(driver, "#call-state", "In call")
    press(driver, "m")
    wait_until(driver, lambda d: fake(d, "t.lastCall().isMuted()") is True, message="M mutes")
    js(driver, "document.activeElement.blur();")
    press(driver, "h")
    wait_until(driver, lambda d: "disconnect" in fake(d, "t.lastCall().actions"), message="H hangs up")

    js(driver, "document.activeElement.blur();")
    press(driver, "?")
    wait_until(driver, lambda d: js(d, "return document.getElementById('shortcuts').open"), message="? lists keys")
    listed = driver.find_element(By.ID, "shortcuts").text
    for words in ("Esc", "Clear the number; reject a ringing call", "Answer", "Hang up"):
        assert words in listed, listed
    press(driver, Keys.ESCAPE)
    wait_until(driver, lambda d: not js(d, "return document.getElementById('shortcuts').open"),
               message="Escape closes the list")

"""Selenium helpers for the dialer tests: headless Chromium with the fake
Twilio SDK injected, login, waits, console-error checks and screenshots."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import time
import urllib.parse
from typing import Callable, Iterable

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException, TimeoutException,
                                        WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
ARTIFACTS = REPO / "artifacts"
FAKE_DEVICE_JS = (HERE / "fake_twilio_device.js").read_text(encoding="utf-8")

DESKTOP = (1280, 800)
PHONE = (390, 844)
DEFAULT_WAIT = 10


def chromium_paths() -> tuple[str, str]:
    """The Debian packages `chromium` and `chromium-driver`, or what is on PATH."""
    browser = os.environ.get("CHROME_BIN") or shutil.which("chromium") or shutil.which("google-chrome")
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if not browser or not driver:
        raise RuntimeError(
            "Chromium not found: apt-get update && apt-get install -y chromium chromium-driver"
        )
    return browser, driver


def make_browser(size: tuple[int, int] = DESKTOP, *, fake_sdk: bool = True, phone: bool = False,
                 lang: str = "en-GB", extra_args: Iterable[str] = ()):
    """A headless Chromium whose console is readable through get_log('browser').
    With fake_sdk, every page of this tab gets the fake Twilio.Device first.
    `extra_args`: more command-line switches (`--ignore-certificate-errors` for a test NGINX)."""
    browser, driver_path = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--lang={lang}",
        f"--window-size={size[0]},{size[1]}",
        *extra_args,
    ):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(20)
    set_viewport(driver, size, phone=phone)
    if fake_sdk:
        inject_fake_sdk(driver)
    return driver


def set_viewport(driver, size: tuple[int, int], *, phone: bool = False) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": size[0],
        "height": size[1],
        "deviceScaleFactor": 2 if phone else 1,
        "mobile": phone,
    })
    if phone:
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})


def inject_fake_sdk(driver) -> None:
    """Defines window.Twilio (and a recording window.Notification) before any
    page script of the current tab runs, on every later navigation too."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FAKE_DEVICE_JS})


def open_second_tab(driver, url: str, *, fake_sdk: bool = True) -> str:
    """A second tab of the same browser (same cookies, so the same session)."""
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    if fake_sdk:
        inject_fake_sdk(driver)
    driver.get(url)
    second = driver.current_window_handle
    assert second != first
    return second


def page_url(base_url: str, relative: str = "") -> str:
    """base_url may carry a path prefix (/shetphone); the app lives under base/."""
    return urllib.parse.urljoin(base_url.rstrip("/") + "/", relative)


def wait_until(driver, predicate: Callable, timeout: float = DEFAULT_WAIT, message: str = ""):
    try:
        # The page may navigate (e.g. to the login page) between finding an element and reading
        # it: a stale or vanished element just means "not yet", and the wait polls again.
        return WebDriverWait(driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
                             ).until(lambda d: predicate(d))
    except TimeoutException as error:
        raise AssertionError(f"timed out after {timeout}s waiting for: {message}") from error


def js(driver, script: str, *args):
    return driver.execute_script(script, *args)


def text_of(driver, css: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, css).text


def wait_text(driver, css: str, needle: str, timeout: float = DEFAULT_WAIT) -> str:
    """Waits until the element's visible text contains needle; returns the text."""
    def check(d):
        try:
            text = d.find_element(By.CSS_SELECTOR, css).text
        except WebDriverException:
            return False
        return text if needle in text else False
    return wait_until(driver, check, timeout, f"{css} to contain {needle!r}")


def wait_attr(driver, css: str, attribute: str, value: str, timeout: float = DEFAULT_WAIT) -> None:
    wait_until(
        driver,
        lambda d: d.find_element(By.CSS_SELECTOR, css).get_attribute(attribute) == value,
        timeout,
        f"{css}[{attribute}={value!r}]",
    )


def is_shown(driver, css: str) -> bool:
    elements = driver.find_elements(By.CSS_SELECTOR, css)
    return bool(elements) and elements[0].is_displayed()


def login(driver, base_url: str, user: str, password: str, *, via_redirect: bool = False,
          phone_ready: bool = True) -> None:
    """Logs in through the real login form and waits for a live dialer."""
    if via_redirect:
        driver.get(page_url(base_url))
        wait_until(driver, lambda d: "/login" in d.current_url, message="redirect to login")
        # The dialer's api/me answered 401 before leaving: expected, not a page error.
        drain_console(driver)
    else:
        prefix = urllib.parse.urlparse(page_url(base_url)).path
        driver.get(page_url(base_url, "login?next=" + urllib.parse.quote(prefix)))
    user_field = wait_until(
        driver, lambda d: d.find_element(By.NAME, "username"), message="login form")
    user_field.clear()
    user_field.send_keys(user)
    password_field = driver.find_element(By.NAME, "password")
    password_field.clear()
    password_field.send_keys(password)
    password_field.submit()
    wait_dialer_ready(driver, phone_ready=phone_ready)


def wait_dialer_ready(driver, *, phone_ready: bool = True) -> None:
    wait_until(driver, lambda d: d.find_elements(By.ID, "ind-server"), message="dialer page")
    wait_attr(driver, "#ind-server", "data-state", "online")
    if phone_ready:
        wait_attr(driver, "#ind-phone", "data-state", "registered")


def fake(driver, expression: str):
    """Evaluates an expression on window.__fakeTwilio (the fake SDK's record)."""
    return js(driver, f"const t = window.__fakeTwilio; return ({expression});")


def fake_run(driver, statement: str) -> None:
    """Runs a statement against window.__fakeTwilio (as `t`), returning nothing
    (calls and devices do not survive JSON)."""
    js(driver, f"const t = window.__fakeTwilio; {statement};")


def drain_console(driver) -> list[dict]:
    return driver.get_log("browser")


def console_errors(driver, allowed: Iterable[str] = ()) -> list[str]:
    """SEVERE console entries since the last call, minus the allowed substrings."""
    allowed = list(allowed)
    errors = []
    for entry in driver.get_log("browser"):
        if entry.get("level") != "SEVERE":
            continue
        message = entry.get("message", "")
        if any(piece in message for piece in allowed):
            continue
        errors.append(message)
    return errors


def assert_no_console_errors(driver, allowed: Iterable[str] = ()) -> None:
    errors = console_errors(driver, allowed)
    assert not errors, "browser console errors:\n" + "\n".join(errors)


def screenshot(driver, name: str) -> pathlib.Path:
    """Saves a PNG into artifacts/ (gitignored) and returns its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    driver.save_screenshot(str(path))
    return path


def full_page_screenshot(driver, name: str, size: tuple[int, int], *, phone: bool = False) -> pathlib.Path:
    """Grows the viewport to the page height for one shot, then restores it."""
    height = js(driver, "return Math.ceil(document.documentElement.scrollHeight);")
    set_viewport(driver, (size[0], max(size[1], int(height))), phone=phone)
    time.sleep(0.2)
    try:
        return screenshot(driver, name)
    finally:
        set_viewport(driver, size, phone=phone)


def dump_state(driver) -> str:
    """For assertion messages: what the fake SDK recorded."""
    try:
        return json.dumps(js(driver, """
            const t = window.__fakeTwilio;
            return t && {connects: t.connects, events: t.events.slice(-30), errors: t.errors,
                         calls: t.calls.map(c => ({d: c.direction, s: c._status, a: c.actions, p: c.parameters}))};
        """), indent=1)
    except WebDriverException as error:
        return f"(no state: {error.msg})"

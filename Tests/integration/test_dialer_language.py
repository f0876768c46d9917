"""The dialer's words come from one catalogue per language (Public/js/i18n/):
the catalogues agree on their keys, every key the page uses exists, and the
browser's language picks German, or English when there is no catalogue."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dialer_helpers import REPO, js, login, page_url, wait_text, wait_until
from test_dialer_e2e import browser, server, type_number, users_of  # noqa: F401 (fixtures)

PUBLIC = REPO / "Public"
I18N = PUBLIC / "js" / "i18n"


def catalogue_keys(name: str) -> set[str]:
    text = (I18N / f"{name}.js").read_text(encoding="utf-8")
    return set(re.findall(r"^\s*'([^']+)':", text, re.M))


def used_keys() -> tuple[set[str], set[str]]:
    """Keys used literally, and prefixes of keys built at run time (t(`log.${word}`))."""
    literal, prefixes = set(), set()
    for path in (PUBLIC / "js").rglob("*.js"):
        if path.parent == I18N or path.name == "i18n.js":  # the catalogues and t() itself
            continue
        text = path.read_text(encoding="utf-8")
        literal |= set(re.findall(r"\bt\(\s*'([^']+)'", text))
        # t(flag ? 'a.key' : 'b.key')
        for pair in re.findall(r"\?\s*'([a-z]+\.[A-Za-z.]+)'\s*:\s*'([a-z]+\.[A-Za-z.]+)'", text):
            literal |= set(pair)
        prefixes |= set(re.findall(r"`([a-z]+\.(?:[a-z]+\.)*)\$\{", text))
    for page in ("index.html", "login.html"):
        html = (PUBLIC / page).read_text(encoding="utf-8")
        literal |= set(re.findall(r'data-i18n="([^"]+)"', html))
        for attrs in re.findall(r'data-i18n-attr="([^"]+)"', html):
            literal |= {pair.split(":")[1].strip() for pair in attrs.split(";")}
    return literal, prefixes


def test_catalogues_agree_and_cover_every_key_the_page_uses():
    english, german = catalogue_keys("en"), catalogue_keys("de")
    assert len(english) > 100
    assert english - german == set(), "German lacks these keys"
    assert german - english == set(), "German has keys English does not"
    literal, prefixes = used_keys()
    assert literal - english == set(), "keys used but not in en.js"
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in english), f"no key starts with {prefix}"
    languages = (I18N / "languages.js").read_text(encoding="utf-8")
    for path in I18N.glob("*.js"):
        if path.stem != "languages":
            assert f"'{path.stem}'" in languages, f"{path.name} is not listed in languages.js"


def test_a_german_browser_gets_the_german_page(server, browser):
    driver = browser(lang="de-DE")
    driver.get(page_url(server.base_url, "login"))
    wait_text(driver, "label[for=username]", "Benutzername")
    assert driver.title == "Anmelden · Shetphone"
    assert js(driver, "return document.documentElement.lang") == "de"
    login(driver, server.base_url, *users_of(server)[0])
    assert driver.find_element(By.ID, "ind-phone").text == "Telefon: bereit"
    assert driver.find_element(By.ID, "dialer-title").text == "Telefon"
    assert driver.find_element(By.ID, "call").text == "Anrufen"
    assert driver.find_element(By.ID, "call-state").text == "Bereit"
    assert "Deutschland (+49)" in js(driver, "return [...document.querySelectorAll('#country option')].map(o => o.textContent)")
    field = type_number(driver, "0770090", "GB")
    field.send_keys(Keys.TAB)
    wait_text(driver, "#number-hint", "Zu kurz: Nummern in Vereinigtes Königreich (+44)")
    type_number(driver, "+44 7700 900456")
    driver.find_element(By.ID, "call").click()
    wait_text(driver, "#call-state", "Rufe +44 7700 900456 an")
    driver.find_element(By.ID, "hangup").click()
    wait_text(driver, "#call-state", "Anruf abgebrochen")


def test_a_language_without_a_catalogue_gets_english(server, browser):
    driver = browser(lang="fr-FR")
    login(driver, server.base_url, *users_of(server)[0])
    assert js(driver, "return document.documentElement.lang") == "en"
    assert driver.find_element(By.ID, "call").text == "Call"
    assert driver.find_element(By.ID, "ind-phone").text == "Phone: ready"

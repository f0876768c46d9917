"""The dialer as an installable web app: the manifest (name, icons, start_url and
scope inside base_path), the icons it names, and the service worker, which
installs in Chromium, keeps the app shell (never API answers or tokens) and
opens the dialer with the server gone and the network offline."""

from __future__ import annotations

import json
import pathlib
import re
import struct
import urllib.parse

import pytest
import requests
from selenium.webdriver.common.by import By

from dialer_helpers import REPO, js, login, page_url, wait_text, wait_until
from test_dialer_e2e import browser, users_of  # noqa: F401 (fixture)

PUBLIC = REPO / "Public"
BASE_PATH = "/shetphone"


@pytest.fixture
def prefixed_server(shetphone_factory):
    from conftest import DEFAULT_INI
    return shetphone_factory(ini=DEFAULT_INI.replace("[app]\n", f"[app]\nbase_path = {BASE_PATH}\n", 1))


def png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", body[16:24])


def shell_list() -> list[str]:
    source = (PUBLIC / "sw.js").read_text(encoding="utf-8")
    block = re.search(r"const SHELL = \[(.*?)\];", source, re.S)
    assert block, "sw.js has no SHELL list"
    return re.findall(r"'([^']*)'", block.group(1))


def test_manifest_names_the_app_its_icons_and_stays_inside_base_path(prefixed_server):
    root = prefixed_server.base_url + BASE_PATH + "/"
    manifest_url = urllib.parse.urljoin(root, "manifest.webmanifest")
    answer = requests.get(manifest_url, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(answer.text)
    assert manifest["name"] == "Shetphone" and manifest["short_name"]
    assert manifest["display"] in ("standalone", "fullscreen", "minimal-ui")
    for key in ("start_url", "scope", "id"):
        assert not manifest[key].startswith("/"), f"{key} must be relative to work under any base_path"
        resolved = urllib.parse.urljoin(manifest_url, manifest[key])
        assert resolved.startswith(root), f"{key} resolves to {resolved}, outside {root}"

    pngs = {}
    for icon in manifest["icons"]:
        url = urllib.parse.urljoin(manifest_url, icon["src"])
        assert url.startswith(root)
        got = requests.get(url, timeout=10)
        assert got.status_code == 200, url
        assert got.headers["Content-Type"].startswith(icon["type"]), (url, got.headers["Content-Type"])
        if icon["type"] == "image/png":
            width, height = png_size(got.content)
            assert icon["sizes"] == f"{width}x{height}", (icon, width, height)
            pngs.setdefault(icon.get("purpose", "any"), set()).add(width)
    assert {192, 512} <= pngs["any"], "installable needs 192 and 512 px icons"
    assert 512 in pngs["maskable"]

    for page in ("", "login"):
        html = requests.get(urllib.parse.urljoin(root, page), timeout=10).text
        assert '<link rel="manifest" href="manifest.webmanifest">' in html, page


def test_service_worker_shell_lists_every_module_and_no_server_route():
    shell = shell_list()
    modules = {path.relative_to(PUBLIC).as_posix() for path in (PUBLIC / "js").rglob("*.js")}
    assert modules - set(shell) == set(), "modules missing from sw.js SHELL"
    for entry in shell:
        if entry != "./":
            assert (PUBLIC / entry).is_file(), f"sw.js lists {entry}, which Public/ does not have"
    for route in ("api/", "token", "presets", "login", "logout", "ws"):
        assert not any(entry.startswith(route) for entry in shell), route


def test_service_worker_installs_and_opens_the_dialer_offline_under_base_path(prefixed_server, browser):
    driver = browser(allowed_errors=("ERR_INTERNET_DISCONNECTED", "Failed to fetch", "WebSocket connection to",
                                     "ERR_CONNECTION_REFUSED", "api/me"))
    root = prefixed_server.base_url + BASE_PATH + "/"
    login(driver, root, *users_of(prefixed_server)[0], via_redirect=True)
    scope = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        navigator.serviceWorker.ready.then((r) => done(r.scope)).catch((e) => done('failed: ' + e));""")
    assert scope == root
    driver.refresh()  # the page is now controlled by the worker
    wait_until(driver, lambda d: js(d, "return Boolean(navigator.serviceWorker.controller)"),
               message="page controlled by the service worker")
    kept = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        caches.keys().then(async (names) => {
          const urls = [];
          for (const name of names) for (const r of await (await caches.open(name)).keys()) urls.push(r.url);
          done(urls);
        });""")
    paths = {urllib.parse.urlparse(url).path for url in kept}
    assert {BASE_PATH + "/", BASE_PATH + "/js/main.js", BASE_PATH + "/app.css"} <= paths, paths
    for path in paths:
        assert path.startswith(BASE_PATH + "/")
        route = path[len(BASE_PATH) + 1:]
        assert not re.match(r"(api/|token$|presets$|login|logout|ws$)", route), f"{path} must never be cached"

    prefixed_server.stop()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    driver.get(root)
    wait_until(driver, lambda d: d.find_elements(By.ID, "dialer-title"), message="the shell opened offline")
    wait_text(driver, "#banner-problem", "You are offline. The phone starts as soon as the connection is back.")
    assert js(driver, "return document.styleSheets.length > 0 && getComputedStyle(document.body).display") != ""
    assert driver.find_element(By.ID, "call").is_displayed()

"""The dialer's lists catch up after a resync whose reload failed. A Chromium dialer on instance
A of two sharing one real PostgreSQL; A loses its database (its road, `link`, is cut) while B
takes a call, so A's dialer cannot hear it live. When A listens again it sends `resync`, but the
browser's network refuses the reloads (Chromium's own URL blocking: the network is gone for
them): the page says which lists may be out of date, and, once the network is back, its own
retry brings the missed call in without any further event from the server and without a page
reload. A second test has A itself refuse the reloads (503 while its store is away). `ReloadRetry`
itself is driven in the same browser with a fake clock."""
import re
import time

import pytest
import requests

from conftest import ACCOUNT_SID, DEFAULT_INI
from dialer_helpers import DESKTOP, js, login, make_browser, page_url, screenshot, wait_until
from instances_helpers import link, two_instances, until  # noqa: F401 (link is a fixture)
from test_twilio import post_webhook

NUMBER = "+15005550006"  # bob and carol's number
# What resync() reloads, as Chromium's URL patterns.
RELOADS = ["*/api/calls*", "*/api/voicemail*", "*/api/threads*", "*/api/contacts*", "*/api/intercom*"]
BACK = "bus: listening again after the database came back"
REFUSED_CALLS = r'"GET /api/calls\S* HTTP/1\.1" 503'


@pytest.fixture
def pair(postgres, link, shetphone_factory, tmp_path):
    """A reaches `postgres` through `link` (TCP), B over its Unix socket."""
    return two_instances(shetphone_factory, tmp_path, (link.url(), postgres.url))


@pytest.fixture
def dialer():
    driver = make_browser(DESKTOP, fake_sdk=True)
    yield driver
    driver.quit()


def caller(n):
    return f"+44770090{n:04d}"


def take_call(server, n):
    """The webhooks of a call from `caller(n)` to bob's number that nobody answers."""
    params = {"AccountSid": ACCOUNT_SID, "CallSid": f"CAretry{n:04d}", "Direction": "inbound",
              "From": caller(n), "To": NUMBER}

    def until_taken(path, fields, wanted):
        # Like Twilio, which retries a webhook answered with 5xx (B's first write after the
        # cut may find a connection the relay dropped).
        until(lambda: post_webhook(server, path, fields).status_code == wanted, f"{path} of call {n} taken", 30)
    until_taken("/voice", params, 200)
    until_taken("/status", {**params, "CallStatus": "completed"}, 204)


def rows(driver):
    return [re.sub(r"\D", "", title) for title in js(driver, """
        return [...document.querySelectorAll('#call-log li .entry-title')].map(n => n.textContent);""")]


def shown(driver, n):
    return re.sub(r"\D", "", caller(n)) in rows(driver)


def stale_text(driver):
    return js(driver, "return document.getElementById('stale-lists').textContent;")


def test_a_failed_reload_after_resync_is_retried_until_the_missed_call_shows(pair, link, dialer):
    a, b = pair
    login(dialer, a.base_url, "bob", a.users["bob"])
    assert js(dialer, "return document.getElementById('stale-lists').getAttribute('role');") == "status"
    take_call(b, 1)
    wait_until(dialer, lambda d: shown(d, 1), 20, f"call 1 shown live; rows are {rows(dialer)}")

    js(dialer, "window.__samePage = true;")
    dialer.execute_cdp_cmd("Network.enable", {})
    dialer.execute_cdp_cmd("Network.setBlockedURLs", {"urls": RELOADS})
    link.cut()
    take_call(b, 2)  # committed by B while A hears nothing
    link.mend()
    # A listens again and sends `resync`; every reload fails, and the page says so.
    lists = ("recent calls", "voicemail", "texts", "contacts", "intercom")
    wait_until(dialer, lambda d: (text := stale_text(d)).startswith("May be out of date") and all(w in text for w in lists),
               30, f"the stale notice naming every list; it says {stale_text(dialer)!r}")
    assert js(dialer, "return document.querySelector('#stale-lists .banner').offsetParent !== null;"), "not visible"
    screenshot(dialer, "dialer-lists-out-of-date.png")
    assert shown(dialer, 1), "the rows shown stay while the reload fails"
    assert not shown(dialer, 2), "call 2 cannot be known yet: A missed it and no reload got through"
    resyncs = a.log().count(BACK)
    assert resyncs >= 1, a.log()[-3000:]

    # The network is back: no new event comes from the server, the page's retry loads the lists.
    dialer.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    wait_until(dialer, lambda d: shown(d, 2), 45, f"call 2 shown after the retry; rows are {rows(dialer)}")
    wait_until(dialer, lambda d: stale_text(d) == "Lists up to date again.", 45,
               f"the notice cleared; it says {stale_text(dialer)!r}")
    assert not js(dialer, "return document.querySelector('#stale-lists .banner');"), "the warning is gone"
    assert a.log().count(BACK) == resyncs, "A sent another resync: the catch-up was not the page's own retry"
    assert js(dialer, "return window.__samePage === true;"), "the page was reloaded"


def test_reload_retry_backs_off_stops_on_success_and_yields_to_a_newer_resync(shetphone_server, dialer):
    dialer.get(page_url(shetphone_server.base_url, "login"))
    result = dialer.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('./js/reload-retry.js').then(async ({ ReloadRetry }) => {
          const pending = [];
          const timers = { setTimeout: (run, ms) => { pending.push({ run, ms }); return pending.length; },
                           clearTimeout: (id) => { if (id) pending[id - 1].cleared = true; } };
          const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
          const fire = async () => { const next = pending.find((p) => !p.fired && !p.cleared); next.fired = true; next.run(); await settle(); };
          // 1. Fails twice (once by throwing), then loads: two retries, delays from delay(0), delay(1).
          let answers = [false, 'throw', true];
          const stale = [];
          let calls = 0;
          const retry = new ReloadRetry(async () => {
            calls += 1;
            const answer = answers.shift();
            if (answer === 'throw') throw new Error('503');
            return answer;
          }, (isStale) => stale.push(isStale), { delay: (attempt) => 1000 * 2 ** attempt, timers });
          retry.start(); await settle();
          await fire(); await fire();
          const first = { calls, stale: [...stale], delays: pending.map((p) => p.ms), left: pending.filter((p) => !p.fired).length };
          // 2. A newer resync while a retry waits: the waiting one is cleared, the newer one decides.
          answers = [false, true];
          stale.length = 0;
          retry.start(); await settle();             // fails: a retry waits
          const waiting = pending.length;
          retry.start(); await settle();             // succeeds at once
          const second = { stale: [...stale], clearedWaiting: pending[waiting - 1].cleared === true,
                           nothingNew: pending.length === waiting };
          // 3. A reload still running when a newer resync starts: its late failure is ignored.
          let release;
          answers = [];
          stale.length = 0;
          const slow = new ReloadRetry(() => new Promise((resolve) => { release = resolve; }),
                                       (isStale) => stale.push(isStale), { delay: () => 5, timers });
          const before = pending.length;
          slow.start();
          const firstRelease = release;
          slow.start();
          release(true); await settle();
          firstRelease(false); await settle();
          const third = { stale: [...stale], scheduled: pending.length - before };
          const backoff = (await import('./js/live-socket.js')).backoffDelay;
          done({ first, second, third, defaultDelay: new ReloadRetry(() => true, () => {}).delay === backoff });
        }).catch((error) => done({ error: String(error) }));
    """)
    assert "error" not in result, result
    assert result["first"] == {"calls": 3, "stale": [True, True, False], "delays": [1000, 2000], "left": 0}
    assert result["second"] == {"stale": [True, False], "clearedWaiting": True, "nothingNew": True}
    assert result["third"] == {"stale": [False], "scheduled": 0}
    # Without a `delay`, the live socket's backoff (1, 2, 4 … 30 s, jittered; test_dialer_e2e checks it).
    assert result["defaultDelay"] is True


def test_reloads_answered_503_while_the_store_is_away_mark_the_lists_and_catch_up_when_it_is_back(
        pair, link, postgres, dialer):
    """The server's own refusal: the dialer reaches A through a relay too (`web`), which the test
    cuts to make the page reconnect while A has no database. Its reloads get 503 from A; once A's
    database is back, the lists catch up without a page reload."""
    from postgres_helpers import CuttableLink

    a, b = pair
    web = CuttableLink(a.port)
    try:
        base = f"http://127.0.0.1:{web.port}"
        login(dialer, base, "bob", a.users["bob"])
        take_call(b, 1)
        wait_until(dialer, lambda d: shown(d, 1), 20, f"call 1 shown live; rows are {rows(dialer)}")
        js(dialer, "window.__samePage = true;")

        link.cut()  # A's store is away
        web.cut()   # and the page's connection drops
        wait_until(dialer, lambda d: js(d, "return document.getElementById('ind-server').dataset.state;") == "offline",
                   20, "the page noticed its connection dropped")
        take_call(b, 2)
        refused_before = len(re.findall(REFUSED_CALLS, a.log()))
        web.mend()
        # Back online: resync, and A answers the reloads of its store's lists with 503.
        wait_until(dialer, lambda d: "recent calls" in stale_text(d) and "contacts" in stale_text(d), 30,
                   f"the stale notice; it says {stale_text(dialer)!r}")
        until(lambda: len(re.findall(REFUSED_CALLS, a.log())) > refused_before, "A refused api/calls with 503", 10)
        assert not shown(dialer, 2)

        link.mend()
        wait_until(dialer, lambda d: shown(d, 2), 60, f"call 2 shown; rows are {rows(dialer)}")
        wait_until(dialer, lambda d: stale_text(d) == "Lists up to date again.", 60,
                   f"the notice cleared; it says {stale_text(dialer)!r}")
        assert js(dialer, "return window.__samePage === true;"), "the page was reloaded"
    finally:
        web.close()


def test_only_failures_another_try_may_fix_are_retried(shetphone_server, dialer):
    """`worthRetrying`: no answer, 408, 429 and 5xx are tried again; another 4xx (a thread that is
    gone: 404) is not, or the page would say "may be out of date" for ever."""
    dialer.get(page_url(shetphone_server.base_url, "login"))
    verdicts = dialer.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('./js/api.js').then(({ ApiError, worthRetrying }) => {
          const statuses = [0, 408, 429, 500, 503, 400, 403, 404, 409];
          done({ api: statuses.map((status) => worthRetrying(new ApiError('api/x', status, 'x'))),
                 other: worthRetrying(new TypeError('Failed to fetch')) });
        });
    """)
    assert verdicts == {"api": [True] * 5 + [False] * 4, "other": True}


def hold_first_answer(driver, prefix):
    """From now on the answer of the first `fetch` whose URL starts with `prefix` waits, after
    the server wrote it, until `release_held`: a page read before something was committed
    arrives after it. `window.__asked` counts the fetches of `prefix`."""
    js(driver, """
        const prefix = arguments[0];
        const real = window.fetch;
        window.__asked = 0;
        window.__release = null;
        window.fetch = async (...args) => {
          const response = await real(...args);
          if (String(args[0]).startsWith(prefix) && ++window.__asked === 1) {
            await new Promise((resolve) => { window.__release = resolve; });
          }
          return response;
        };""", prefix)


def wait_held(driver):
    wait_until(driver, lambda d: js(d, "return window.__release !== null;"), 10, "an answer held")


def release_held(driver):
    js(driver, "window.__release();")
    time.sleep(1)  # the held answer is drawn a few tasks after it is released


def test_a_call_that_arrives_while_the_list_reloads_stays_shown(shetphone_server, dialer):
    """A reload's page can be read before a call is committed and arrive after the call's live
    update: the page replaces the rows, and the call must not vanish with them."""
    login(dialer, shetphone_server.base_url, "bob", shetphone_server.users["bob"])
    hold_first_answer(dialer, "api/calls?")
    js(dialer, """
        const search = document.getElementById('log-search');
        search.value = '';
        search.dispatchEvent(new Event('input'));""")
    wait_held(dialer)
    take_call(shetphone_server, 7)
    wait_until(dialer, lambda d: shown(d, 7), 10, f"call 7 shown live; rows are {rows(dialer)}")
    release_held(dialer)
    assert shown(dialer, 7), f"the reload's older page wiped the call that came meanwhile; rows are {rows(dialer)}"
    assert js(dialer, "return window.__asked;") == 1


def test_voicemail_events_during_a_load_are_kept_on_top_of_its_older_answer(shetphone_server, dialer):
    """The voicemail box's load answers with what the server had when it read: a voicemail that
    arrived, was heard or was deleted while that answer was on its way stays so. Driven in the
    browser on `VoicemailList` itself, with `fetch` answering when the test says."""
    dialer.get(page_url(shetphone_server.base_url, "login"))
    result = dialer.execute_async_script("""
        const done = arguments[arguments.length - 1];
        import('./js/voicemail-list.js').then(async ({ VoicemailList }) => {
          const vm = (sid, heard = false) => ({ recordingSid: sid, from: '+447700900123', duration: 7,
                                                 receivedAt: 1796000000000, heard, transcript: '' });
          let release;
          window.fetch = () => new Promise((resolve) => { release = resolve; });
          const node = (tag) => document.createElement(tag);
          const list = new VoicemailList({ list: node('ul'), empty: node('p'), badge: node('span'), error: node('p') });
          const loading = list.load();
          await new Promise((resolve) => setTimeout(resolve, 0));
          list.added(vm('RE-new'));      // committed after the server read the box
          list.heard('RE-old');
          list.removed('RE-gone');
          release(new Response(JSON.stringify({ voicemails: [vm('RE-old'), vm('RE-gone'), vm('RE-kept')] }),
                               { status: 200, headers: { 'Content-Type': 'application/json' } }));
          const loaded = await loading;
          const shown = list.items.map((v) => v.recordingSid + (v.heard ? ' heard' : ''));
          const kept = (list.eventsDuringLoad || []).length;
          list.added(vm('RE-later'));
          done({ loaded, shown, kept, keptAfter: (list.eventsDuringLoad || []).length, badge: list.nodes.badge.textContent });
        }).catch((error) => done({ error: String(error) }));""")
    assert result.get("error") is None, result
    assert result["loaded"] is True
    assert result["shown"] == ["RE-new", "RE-old heard", "RE-kept"], result
    assert result["kept"] == 0 and result["keptAfter"] == 0, "events are kept only while a load is on its way"
    assert result["badge"] == "3", "RE-later, RE-new and RE-kept are unheard"


def test_an_older_threads_answer_arriving_last_does_not_hide_a_newer_text(shetphone_server, dialer):
    """Each text reloads the threads list. When the answer of the load a first text started
    arrives after the answer of the load a second text started, the older one must not win."""
    from test_texts import inbound
    login(dialer, shetphone_server.base_url, "bob", shetphone_server.users["bob"])
    hold_first_answer(dialer, "api/threads")
    assert inbound(shetphone_server, 71, "first text", sender="+447700900171").status_code == 200
    wait_held(dialer)
    assert inbound(shetphone_server, 72, "second text", sender="+447700900172").status_code == 200
    threads = "return [...document.querySelectorAll('#threads .thread-open')].map((b) => b.textContent);"
    wait_until(dialer, lambda d: any("second text" in t for t in js(d, threads)), 10, "the second text's thread")
    release_held(dialer)
    shown_threads = js(dialer, threads)
    assert any("second text" in t for t in shown_threads), f"the older answer hid the newer text: {shown_threads}"
    assert js(dialer, "return window.__asked;") >= 2

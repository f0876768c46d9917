"""Who took a forwarded intercom call, against the real binary: the forward's `<Dial>` gives each
leg a status callback naming the called number, Twilio's callbacks for those legs and the
`<Dial action>` (signed by twilio-python's RequestValidator, to the exact URLs the TwiML gave)
make the history say `answeredBy: alice`; alice's dialer shows it, `shetphone export-calls` lists
it, and users who are not on the intercom's number see nothing of it, live or in their history."""
import csv
import io
import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest
from selenium.webdriver.common.by import By
import requests
from websockets.sync.client import connect as ws_connect

from conftest import DEFAULT_INI, binary
from dialer_helpers import DESKTOP, js, login as browser_login, make_browser, screenshot, wait_text
from test_dialer_accessibility import assert_accessible
from test_intercom import INTERCOM, RESIDENT, login

OURS = "+442079460174"  # alice's number, which the intercom calls
CALL = "CA" + "4" * 32
ALICE_LEG = "CA" + "5" * 32
BOB_LEG = "CA" + "6" * 32
PHONE_LEG = "CA" + "7" * 32


@pytest.fixture
def server(shetphone_factory):
    return shetphone_factory(ini=DEFAULT_INI + f"\n[intercom]\nexpected_from = {INTERCOM}\ndial = {RESIDENT}\n"
                             "ring_clients = alice bob\n")


def signed_post(server, url, form):
    """POSTs to the absolute `url` as Twilio does: signed over that URL, query included."""
    return requests.post(url, data=form, headers={"X-Twilio-Signature": server.sign(url, form)}, timeout=10)


def forward(server):
    """The intercom's first webhook: no grant, no code, so it forwards. Returns the <Dial> element."""
    form = {"CallSid": CALL, "AccountSid": server.account_sid, "From": INTERCOM, "To": OURS}
    answer = signed_post(server, server.url("/intercom"), form)
    assert answer.status_code == 200, answer.text
    dial = ET.fromstring(answer.content).find("Dial")
    assert dial is not None, answer.text
    return dial


def leg(server, url, sid, to, status, **extra):
    form = {"CallSid": sid, "ParentCallSid": CALL, "AccountSid": server.account_sid, "CallStatus": status,
            "From": INTERCOM, "To": to, "Called": to, "Direction": "outbound-dial", **extra}
    answer = signed_post(server, url, form)
    assert answer.status_code == 204, answer.text


def dial_ended(server, action, answered_leg, seconds):
    form = {"CallSid": CALL, "AccountSid": server.account_sid, "From": INTERCOM, "To": OURS,
            "DialCallStatus": "completed", "DialCallSid": answered_leg, "DialCallDuration": str(seconds)}
    answer = signed_post(server, server.url(action), form)
    assert answer.status_code == 200, answer.text
    return answer


def history(server, user):
    return {c["callSid"]: c for c in login(server, user).get(server.url("/api/calls"), timeout=5).json()["calls"]}


def cookie_of(session):
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def forwarded_and_answered(server, dialer, carol_socket):
    """The forward, its legs' callbacks and the `<Dial action>`, checked from alice's dialer and
    history, the others' histories and carol's socket."""
    browser_login(dialer, server.base_url, "alice", server.users["alice"])

    dial = forward(server)
    callback = server.url("/status") + "?number=%2B442079460174"
    nouns = [(noun.tag, noun.findtext("Identity") or noun.text, noun.attrib.get("statusCallback"),
              noun.attrib.get("statusCallbackEvent"))
             for noun in dial]
    events = "initiated ringing answered completed"
    assert nouns == [("Number", RESIDENT, callback, events), ("Client", "alice", callback, events),
                     ("Client", "bob", callback, events)]

    # Twilio rings the three legs; alice answers, the others are canceled; she talks 12 s.
    leg(server, callback, PHONE_LEG, RESIDENT, "ringing")
    leg(server, callback, ALICE_LEG, "client:alice", "ringing")
    leg(server, callback, BOB_LEG, "client:bob", "ringing")
    leg(server, callback, ALICE_LEG, "client:alice", "in-progress")
    leg(server, callback, PHONE_LEG, RESIDENT, "canceled")
    leg(server, callback, BOB_LEG, "client:bob", "canceled")
    leg(server, callback, ALICE_LEG, "client:alice", "completed", CallDuration="12")
    ended = dial_ended(server, dial.attrib["action"], ALICE_LEG, 12)
    assert [verb.tag for verb in ET.fromstring(ended.content)] == ["Hangup"]

    row = history(server, "alice")[CALL]
    assert (row["direction"], row["door"], row["answeredBy"], row["outcome"], row["duration"]) == \
        ("intercom", "answered", "alice", "completed", 12), row
    assert (row["number"], row["other"], row["usersRung"]) == (OURS, INTERCOM, ["alice", "bob"]), row
    # alice's open dialer got it live (`call.updated`) and says who took it.
    wait_text(dialer, "#call-log", "Intercom answered by alice")
    screenshot(dialer, "dialer-intercom-answered-by.png")

    # Neither bob (rung, but not on the intercom's number) nor carol has it in their history.
    assert CALL not in history(server, "bob")
    assert history(server, "carol") == {}
    # carol heard nothing of it live: a call to her own number is the first thing she hears.
    marker = {"CallSid": "CAcarolmarker", "AccountSid": server.account_sid, "CallStatus": "ringing",
              "From": "+447700900555", "To": "+15005550006", "Direction": "inbound"}
    assert signed_post(server, server.url("/status"), marker).status_code == 204
    heard = []
    while not heard or (heard[-1].get("data") or {}).get("callSid") != "CAcarolmarker":
        heard.append(json.loads(carol_socket.recv(timeout=10)))
    assert CALL not in json.dumps(heard) and "client:alice" not in json.dumps(heard), heard


def test_the_history_names_the_browser_that_answered_the_intercom_and_only_its_numbers_users_see_it(server):
    carol = login(server, "carol")  # on another number, and not rung
    dialer = make_browser(DESKTOP, fake_sdk=True)
    try:
        with ws_connect(server.base_url.replace("http://", "ws://") + "/ws", origin=server.base_url,
                        additional_headers={"Cookie": cookie_of(carol)}, open_timeout=5) as carol_socket:
            assert json.loads(carol_socket.recv(timeout=5))["type"] == "hello"
            forwarded_and_answered(server, dialer, carol_socket)
    finally:
        dialer.quit()

    # The CLI's export lists who answered too.
    export = subprocess.run([binary(), "export-calls", "--config", os.path.join(server.workdir, "shetphone.ini")],
                            cwd=server.workdir, capture_output=True, text=True, timeout=30)
    assert export.returncode == 0, export.stderr
    rows = {r["call_sid"]: r for r in csv.DictReader(io.StringIO(export.stdout))}
    assert (rows[CALL]["door"], rows[CALL]["answered_by"], rows[CALL]["users_rung"]) == ("answered", "alice", "alice bob")


def row_of(driver, sid_marker):
    """The Recent calls row whose sub-line holds `sid_marker`: its title, sub-line, icon, the
    hidden direction word and whether its call button shows."""
    return js(driver, """
        const row = [...document.querySelectorAll('#call-log li')].find(
            (li) => li.querySelector('.entry-sub').textContent.includes(arguments[0]));
        if (!row) return null;
        return {title: row.querySelector('.entry-title').textContent,
                sub: row.querySelector('.entry-sub').textContent,
                direction: row.dataset.direction,
                icon: row.querySelector('.direction use').getAttribute('href'),
                said: row.querySelector('.direction .visually-hidden').textContent,
                callButton: !row.querySelector('.round-btn').hidden};""", sid_marker)


def test_the_residents_phone_answering_is_named_by_its_number_and_intercom_rows_look_like_the_intercom(server):
    dialer = make_browser(DESKTOP, fake_sdk=True)
    german = make_browser(DESKTOP, fake_sdk=True, lang="de-DE")
    try:
        browser_login(dialer, server.base_url, "alice", server.users["alice"])
        dial = forward(server)
        callback = dial.find("Number").attrib["statusCallback"]
        leg(server, callback, PHONE_LEG, RESIDENT, "ringing")
        leg(server, callback, ALICE_LEG, "client:alice", "ringing")
        leg(server, callback, PHONE_LEG, RESIDENT, "in-progress")
        leg(server, callback, ALICE_LEG, "client:alice", "canceled")
        dial_ended(server, dial.attrib["action"], PHONE_LEG, 30)
        # A stranger calling the intercom's number is refused: shown as themselves, not as the intercom.
        refused = signed_post(server, server.url("/intercom"), {"CallSid": "CA" + "8" * 32, "AccountSid": server.account_sid,
                                                               "From": "+447700900777", "To": OURS})
        assert [verb.tag for verb in ET.fromstring(refused.content)] == ["Reject"]

        calls = history(server, "alice")
        row = calls[CALL]
        assert (row["door"], row["answeredBy"], row["answeredNumber"], row["duration"]) == \
            ("answered", None, RESIDENT, 30), row
        assert calls["CA" + "8" * 32]["answeredNumber"] is None

        # Live, in English: the row is the intercom's, says which phone took it, and offers no call back.
        wait_text(dialer, "#call-log", "Intercom answered by +44 7700 900123")
        assert row_of(dialer, "Intercom answered by") == {
            "title": "Intercom", "sub": row_of(dialer, "Intercom answered by")["sub"], "direction": "intercom",
            "icon": "#i-door", "said": "Intercom call", "callButton": False}
        stranger = row_of(dialer, "Refused: not the intercom")
        assert stranger["title"] == "+44 7700 900777" and stranger["icon"] == "#i-door", stranger
        assert not stranger["callButton"] and "900777" not in stranger["sub"], stranger
        # An ordinary incoming call keeps its own look and its call button.
        marker = {"CallSid": "CA" + "9" * 32, "AccountSid": server.account_sid, "CallStatus": "ringing",
                  "From": "+447700900555", "To": OURS, "Direction": "inbound"}
        assert signed_post(server, server.url("/voice"), marker).status_code == 200
        wait_text(dialer, "#call-log", "+44 7700 900555")
        ordinary = js(dialer, """const li = [...document.querySelectorAll('#call-log li')].find(
            (r) => r.querySelector('.entry-title').textContent === '+44 7700 900555');
            return [li.dataset.direction, li.querySelector('.direction use').getAttribute('href'),
                    !li.querySelector('.round-btn').hidden];""")
        assert ordinary == ["incoming", "#i-incoming", True], ordinary
        assert_accessible(dialer, "Recent calls with intercom rows")
        js(dialer, "document.querySelector('#call-log').scrollIntoView()")
        dialer.find_element(By.CSS_SELECTOR, "#call-log").screenshot(str(screenshot(dialer, "dialer-intercom-rows.png")))

        # From the history, in German.
        browser_login(german, server.base_url, "alice", server.users["alice"])
        wait_text(german, "#call-log", "Sprechanlage angenommen von +44 7700 900123")
        shown = row_of(german, "Sprechanlage angenommen von")
        assert (shown["title"], shown["said"], shown["callButton"]) == ("Sprechanlage", "Anruf der Sprechanlage", False)
        assert_accessible(german, "German Recent calls with intercom rows")
    finally:
        dialer.quit()
        german.quit()

    export = subprocess.run([binary(), "export-calls", "--config", os.path.join(server.workdir, "shetphone.ini")],
                            cwd=server.workdir, capture_output=True, text=True, timeout=30)
    assert export.returncode == 0, export.stderr
    rows = {r["call_sid"]: r for r in csv.DictReader(io.StringIO(export.stdout))}
    assert (rows[CALL]["answered_by"], rows[CALL]["answered_number"]) == ("", RESIDENT), rows[CALL]

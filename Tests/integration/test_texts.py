"""Texts against the built binary: inbound through /sms signed by the `twilio` library's
RequestValidator, outbound through the fake Twilio REST API (the Messages form fields Twilio
documents), status callbacks in any order, a shared inbox per number with per-user read marks,
nobody seeing another number's threads, MMS pictures fetched through the server."""
import json
import random
import xml.etree.ElementTree as ET

import pytest
import requests
from twilio.request_validator import RequestValidator

from conftest import ACCOUNT_SID, AUTH_TOKEN, DEFAULT_INI
from fake_twilio_api import FakeTwilioAPI, make_certificate
from test_twilio import login

SHARED = "+15005550006"     # bob and carol
ALICE = "+442079460174"     # alice only
STRANGER = "+12025550143"


def sms_sid(n, prefix="SM"):
    return prefix + f"{n:032x}"


@pytest.fixture
def fake(tmp_path):
    cert, key = make_certificate(str(tmp_path))
    with FakeTwilioAPI(ACCOUNT_SID, AUTH_TOKEN, cert, key) as api:
        api.cert = cert
        yield api


def texts_ini(fake, texts=""):
    text = DEFAULT_INI.replace("alice = +442079460174 +15005550006", "alice = +442079460174")
    text = text.replace("[twilio]\n", f"[twilio]\napi_base_url = {fake.base_url}\n", 1)
    text += f"\n[outbound]\nca_file = {fake.cert}\ntimeout = 5\n"
    return text + ("\n[texts]\n" + texts if texts else "")


@pytest.fixture
def server(shetphone_factory, fake):
    return shetphone_factory(ini=texts_ini(fake))


def signed_post(server, path, params):
    url = server.url(path)
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30)


def inbound(server, n, body="hello", to=SHARED, sender=STRANGER, media=()):
    params = {"MessageSid": sms_sid(n, "MM" if media else "SM"), "AccountSid": ACCOUNT_SID, "From": sender, "To": to,
              "Body": body, "NumMedia": str(len(media)), "SmsStatus": "received"}
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    return signed_post(server, "/sms", params)


def csrf(session, server):
    return session.get(server.url("/api/me")).json()["csrf"]


def api_send(session, server, payload):
    return session.post(server.url("/api/messages"), data=json.dumps(payload),
                        headers={"X-CSRF-Token": csrf(session, server), "Content-Type": "application/json"})


def threads(session, server):
    response = session.get(server.url("/api/threads"))
    assert response.status_code == 200, response.text
    return response.json()["threads"]


def messages(session, server, thread_id, **params):
    response = session.get(server.url(f"/api/threads/{thread_id}/messages"), params=params)
    assert response.status_code == 200, response.text
    return response.json()["messages"]


def test_inbound_text_is_kept_once_answered_with_empty_twiml_and_shared_by_the_number(server):
    answer = inbound(server, 1, "First text")
    assert answer.status_code == 200, answer.text
    root = ET.fromstring(answer.content)
    assert root.tag == "Response" and list(root) == []
    # Twilio delivers the same webhook again: still one message.
    assert inbound(server, 1, "First text").status_code == 200
    assert inbound(server, 2, "Second text").status_code == 200

    bob, carol, alice = login(server, "bob"), login(server, "carol"), login(server, "alice")
    [thread] = threads(bob, server)
    assert thread["number"] == SHARED and thread["party"] == STRANGER
    assert thread["unread"] == 2 and thread["last"]["body"] == "Second text"
    assert [t["id"] for t in threads(carol, server)] == [thread["id"]]
    listed = messages(bob, server, thread["id"])
    assert [m["body"] for m in listed] == ["Second text", "First text"]
    assert all(m["direction"] == "in" and m["status"] == "received" for m in listed)
    older = messages(bob, server, thread["id"], before=listed[0]["id"])
    assert [m["body"] for m in older] == ["First text"]

    # Read marks are per user.
    read = bob.post(server.url(f"/api/threads/{thread['id']}/read"), headers={"X-CSRF-Token": csrf(bob, server)})
    assert read.status_code == 200, read.text
    assert threads(bob, server)[0]["unread"] == 0
    assert threads(carol, server)[0]["unread"] == 2

    # alice is on another number: she sees nothing of it, not even by id.
    assert threads(alice, server) == []
    assert alice.get(server.url(f"/api/threads/{thread['id']}/messages")).status_code == 404
    refused = alice.post(server.url(f"/api/threads/{thread['id']}/read"), headers={"X-CSRF-Token": csrf(alice, server)})
    assert refused.status_code == 404
    assert bob.post(server.url(f"/api/threads/{thread['id']}/read")).status_code == 403, "CSRF token required"


def test_text_to_a_number_not_ours_or_unsigned_or_malformed_is_refused_and_nothing_stored(server):
    refused = inbound(server, 3, "wrong number", to="+15005550009")
    assert refused.status_code == 403
    assert "+15005550009" in refused.text and "not one of our numbers" in refused.text
    unsigned = requests.post(server.url("/sms"), data={"MessageSid": sms_sid(4), "From": STRANGER, "To": SHARED,
                                                       "Body": "forged"}, timeout=30)
    assert unsigned.status_code == 403
    bad_media = inbound(server, 5, media=[("javascript:alert(1)", "image/png")])
    assert bad_media.status_code == 403 and "MediaUrl0" in bad_media.text
    assert threads(login(server, "bob"), server) == []


def test_auto_reply_of_the_number(shetphone_factory, fake):
    server = shetphone_factory(ini=texts_ini(fake, f"auto_reply = Thanks, we answer soon\nauto_reply.{ALICE} =\n"))
    root = ET.fromstring(inbound(server, 6).content)
    assert [(child.tag, child.text) for child in root] == [("Message", "Thanks, we answer soon")]
    assert list(ET.fromstring(inbound(server, 7, to=ALICE).content)) == [], "alice's number turned its reply off"


def test_sending_goes_through_the_messages_api_and_both_users_see_it_with_live_status(server, fake):
    assert inbound(server, 8, "Can you call me?").status_code == 200
    bob, carol = login(server, "bob"), login(server, "carol")
    sent = api_send(bob, server, {"to": STRANGER, "body": "On my way ✓"})
    assert sent.status_code == 201, sent.text
    message = sent.json()
    [request] = fake.messages
    assert request["to"] == STRANGER and request["from"] == SHARED and request["body"] == "On my way ✓"
    assert request["status_callback"] == server.url("/sms/status")
    assert message["sid"] == request["sid"] and message["status"] == "queued" and message["sentBy"] == "bob"

    # carol shares the number: the same thread holds the text and bob's reply.
    [thread] = threads(carol, server)
    assert [m["body"] for m in messages(carol, server, thread["id"])] == ["On my way ✓", "Can you call me?"]

    # Status callbacks out of order: the message ends delivered, never back to sent or queued.
    for status in random.sample(["queued", "sent", "delivered"], 3) + ["sent"]:
        answer = signed_post(server, "/sms/status", {"MessageSid": message["sid"], "MessageStatus": status,
                                                     "AccountSid": ACCOUNT_SID, "From": SHARED, "To": STRANGER})
        assert answer.status_code == 204, answer.text
    assert messages(carol, server, thread["id"])[0]["status"] == "delivered"

    second = api_send(carol, server, {"to": STRANGER, "body": "Are you there?"}).json()
    signed_post(server, "/sms/status", {"MessageSid": second["sid"], "MessageStatus": "undelivered", "ErrorCode": "30003"})
    late = signed_post(server, "/sms/status", {"MessageSid": second["sid"], "MessageStatus": "sent"})
    assert late.status_code == 204
    latest = messages(bob, server, thread["id"])[0]
    assert latest["status"] == "undelivered" and latest["errorCode"] == 30003
    assert "unreachable" in latest["error"]


def test_bad_texts_are_400_with_the_reason_and_nothing_is_sent(server, fake):
    bob = login(server, "bob")
    cases = [({"to": STRANGER, "body": "x" * 1601}, "1600"),
             ({"to": STRANGER, "body": ""}, "body"),
             ({"to": "0015551230001", "body": "hi"}, "E.164"),
             ({"to": "+33612345678", "body": "hi"}, "allowed_countries"),
             ({"to": STRANGER, "from": ALICE, "body": "hi"}, "not one of your numbers")]
    for payload, reason in cases:
        response = api_send(bob, server, payload)
        assert response.status_code == 400, (payload, response.text)
        assert reason in response.json()["error"], (payload, response.text)
    not_json = bob.post(server.url("/api/messages"), data="to=+1", headers={"X-CSRF-Token": csrf(bob, server)})
    assert not_json.status_code == 400
    assert bob.post(server.url("/api/messages"), data=json.dumps({"to": STRANGER, "body": "hi"})).status_code == 403
    assert fake.messages == []
    assert threads(bob, server) == []


def test_twilio_refusals_come_back_in_words(server, fake):
    bob = login(server, "bob")
    fake.message_errors = [(400, 21610, "Attempt to send to unsubscribed recipient"),
                           (400, 21408, "Permission to send an SMS has not been enabled for the region")]
    stop = api_send(bob, server, {"to": STRANGER, "body": "hello?"})
    assert stop.status_code == 400 and "replied STOP" in stop.json()["error"] and stop.json()["code"] == 21610
    region = api_send(bob, server, {"to": STRANGER, "body": "hello?"})
    assert region.status_code == 400 and "not enabled" in region.json()["error"]
    assert threads(bob, server) == [], "a refused text is not kept"


def test_send_rate_limit_per_user(shetphone_factory, fake):
    server = shetphone_factory(ini=texts_ini(fake, "sends_per_minute = 2\n"))
    bob, carol = login(server, "bob"), login(server, "carol")
    for n in range(2):
        assert api_send(bob, server, {"to": STRANGER, "body": f"text {n}"}).status_code == 201
    limited = api_send(bob, server, {"to": STRANGER, "body": "one too many"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert api_send(carol, server, {"to": STRANGER, "body": "carol's own"}).status_code == 201
    assert len(fake.messages) == 3


def test_mms_picture_is_fetched_through_the_server_for_users_on_the_number_only(server, fake):
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    url = fake.add_message_media(sms_sid(9, "MM"), "image/png", picture)
    assert inbound(server, 9, "", media=[(url, "image/png")]).status_code == 200
    bob, alice = login(server, "bob"), login(server, "alice")
    [thread] = threads(bob, server)
    [message] = messages(bob, server, thread["id"])
    [media] = message["media"]
    assert media["contentType"] == "image/png" and not media["url"].startswith("http")
    assert ACCOUNT_SID not in json.dumps(message), "Twilio's URL never reaches the browser"
    fake.cut_handshakes = 1   # the first connection to Twilio breaks off mid-handshake: tried again
    fetched = bob.get(server.url("/" + media["url"]))
    assert fetched.status_code == 200 and fetched.content == picture, (fetched.status_code, server.log()[-3000:])
    assert fake.cut_handshakes == 0, "the fetch did open a connection that was cut"
    assert fetched.headers["Content-Type"] == "image/png"
    assert alice.get(server.url("/" + media["url"])).status_code == 404
    assert requests.get(server.url("/" + media["url"]), timeout=10).status_code == 401


def test_mms_picture_fetches_are_capped_and_the_one_past_the_cap_is_told_to_retry(server, fake):
    """TextRoutes.maxMediaFetches (4) pictures are fetched from Twilio at once; while they are
    held there, a fifth request gets 503 with Retry-After, and once they finish it is served."""
    import threading
    from concurrent.futures import ThreadPoolExecutor
    from test_voicemail import wait_for
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    url = fake.add_message_media(sms_sid(19, "MM"), "image/png", picture)
    assert inbound(server, 19, "", media=[(url, "image/png")]).status_code == 200
    bob = login(server, "bob")
    [thread] = threads(bob, server)
    [message] = messages(bob, server, thread["id"])
    address = server.url("/" + message["media"][0]["url"])

    def fetch():
        session = requests.Session()
        session.cookies.update(bob.cookies)
        return session.get(address, timeout=60)

    fake.hold_media = threading.Event()
    try:
        with ThreadPoolExecutor(4) as pool:
            held = [pool.submit(fetch) for _ in range(4)]
            wait_for(lambda: fake.media_waiting == 4, "four fetches waiting at the fake Twilio")
            busy = fetch()
            assert busy.status_code == 503 and busy.headers["Retry-After"] == "1", busy.text
            fake.hold_media.set()
            assert [f.result().content for f in held] == [picture] * 4
    finally:
        fake.hold_media.set()
        fake.hold_media = None
    assert fetch().content == picture, "the slots are given back"


def test_a_new_text_goes_to_the_sms_received_hook_once(shetphone_factory, fake):
    from test_notices import HOOK_SECRET, HookReceiver
    from test_voicemail import wait_for
    receiver = HookReceiver()
    try:
        server = shetphone_factory(ini=texts_ini(fake).replace(
            "[presets]", f"[hooks]\nsecret = {HOOK_SECRET}\nsms.received = {receiver.url}\n\n[presets]"))
        assert inbound(server, 20, "for the hook").status_code == 200
        assert inbound(server, 20, "for the hook").status_code == 200   # Twilio's retry: no second hook
        assert inbound(server, 21, "second").status_code == 200
        # The hooks go out independently, so either may arrive first: wait for both.
        sids = lambda: {p["json"]["data"].get("sid") for p in receiver.posts}
        wait_for(lambda: {sms_sid(20), sms_sid(21)} <= sids(), "both hooks")
        assert sorted(p["json"]["data"]["sid"] for p in receiver.posts) == [sms_sid(20), sms_sid(21)]
        assert all(p["valid"] and p["event"] == "sms.received" for p in receiver.posts)
        first = next(p for p in receiver.posts if p["json"]["data"]["sid"] == sms_sid(20))
        assert first["json"]["data"]["body"] == "for the hook"
    finally:
        receiver.stop()


def test_the_history_search_finds_texts_of_the_users_numbers_only(server):
    assert inbound(server, 30, "The Door code is 4711").status_code == 200
    assert inbound(server, 31, "unrelated", sender="+12025550199").status_code == 200
    bob, alice = login(server, "bob"), login(server, "alice")
    found = bob.get(server.url("/api/calls"), params={"q": "door CODE"}).json()
    assert [m["body"] for m in found["texts"]] == ["The Door code is 4711"]
    by_number = bob.get(server.url("/api/calls"), params={"q": "(202) 555-0199"}).json()
    assert [m["body"] for m in by_number["texts"]] == ["unrelated"]
    assert alice.get(server.url("/api/calls"), params={"q": "door"}).json()["texts"] == []
    assert "texts" not in bob.get(server.url("/api/calls")).json(), "no search, no texts"

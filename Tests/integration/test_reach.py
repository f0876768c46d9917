"""Ringing more than browsers and voicemail TwiML, through the real binary and Twilio's own signing:
a screened mobile in the <Dial>, the screening webhook, do-not-disturb, the greeting file served to <Play>."""
import xml.etree.ElementTree as ET

import requests

from conftest import ACCOUNT_SID, DEFAULT_INI
from test_twilio import post_webhook, twiml

GREETING = bytes(range(256)) * 10


def reach_server(shetphone_factory, tmp_path, extra):
    (tmp_path / "greeting.mp3").write_bytes(GREETING)
    return shetphone_factory(ini=DEFAULT_INI + extra)


def incoming(**extra):
    return {"AccountSid": ACCOUNT_SID, "CallSid": "CA7", "From": "+447700900123", "To": "+15005550006", **extra}


def test_a_mobile_rings_screened_with_the_browsers_and_the_screen_asks_for_a_key(shetphone_factory, tmp_path):
    server = reach_server(shetphone_factory, tmp_path, "\n[ring]\nbob = +447700900456\ndnd = carol\n")
    dial = twiml(post_webhook(server, "/voice", incoming())).find("Dial")
    assert [(child.tag, child.text) for child in dial] == [("Client", "bob"), ("Number", "+447700900456")]
    screen_url = dial.find("Number").get("url")
    assert screen_url == server.url("/voice/screen?number=%2B15005550006&caller=%2B447700900123")
    path = screen_url[len(server.base_url):]
    ask = twiml(post_webhook(server, path, {"AccountSid": ACCOUNT_SID, "CallSid": "CA8"}, signed_url=screen_url))
    assert [child.tag for child in ask] == ["Gather", "Hangup"]
    assert "from plus 4 4 7 7 0 0 9 0 0 1 2 3" in ask.find("Gather/Say").text
    take = twiml(post_webhook(server, path, {"AccountSid": ACCOUNT_SID, "CallSid": "CA8", "Digits": "1"}, signed_url=screen_url))
    assert len(take) == 0


def test_the_screening_webhook_refuses_unsigned_requests(shetphone_factory, tmp_path):
    server = reach_server(shetphone_factory, tmp_path, "\n[ring]\nbob = +447700900456\n")
    answer = post_webhook(server, "/voice/screen?number=%2B15005550006", {"Digits": "1"}, signature="bad")
    assert answer.status_code == 403
    answer = post_webhook(server, "/voicemail/recorded", {"CallSid": "CA1"}, signature="")
    assert answer.status_code == 403


def test_nobody_answering_plays_the_greeting_file_this_server_serves(shetphone_factory, tmp_path):
    server = reach_server(shetphone_factory, tmp_path, "\n[voicemail]\ngreeting_file = greeting.mp3\nmax_length = 60\n")
    root = twiml(post_webhook(server, "/voice", incoming(DialCallStatus="no-answer")))
    assert [child.tag for child in root] == ["Play", "Record", "Hangup"]
    assert root.find("Record").get("maxLength") == "60"
    played = requests.get(root.find("Play").text)
    assert played.status_code == 200 and played.content == GREETING
    assert played.headers["Content-Type"] == "audio/mpeg"
    assert requests.get(server.url("/voicemail/greeting/nope")).status_code == 404
    done = twiml(post_webhook(server, "/voicemail/recorded", {"AccountSid": ACCOUNT_SID, "CallSid": "CA7"}))
    assert [child.tag for child in done] == ["Say", "Hangup"]

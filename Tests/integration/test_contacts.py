"""The address book through the built binary's API: who sees and changes which contacts (private
to a user, or shared by everyone on a number), imports of hand-written vCard and CSV files from
other programs, a broken file that reports every bad row and keeps nothing, and an export that
imports back the same."""
import contextlib
import json
import os
import urllib.parse

import pytest
import requests
from websockets.sync.client import connect as ws_connect

from conftest import DEFAULT_INI, raw_request
from test_twilio import login

ALICE_NUMBER = "+442079460174"   # alice
BOB_NUMBER = "+15005550006"      # bob and carol
FIXTURES = os.path.join(os.path.dirname(__file__), "..", "Fixtures", "contacts")


@pytest.fixture
def server(shetphone_factory):
    """alice is on her number only (the default config also lets her call out from bob's, which
    makes her one of that number's users): two users on different numbers, and carol beside bob."""
    ini = DEFAULT_INI.replace("alice = +442079460174 +15005550006", "alice = +442079460174")
    assert ini != DEFAULT_INI
    return shetphone_factory(ini=ini)


def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as file:
        return file.read()


class Book:
    """One logged-in user's view of /api/contacts."""

    def __init__(self, server, user):
        self.server = server
        self.http = login(server, user)
        me = self.http.get(server.url("/api/me")).json()
        self.http.headers["X-CSRF-Token"] = me["csrf"]

    def list(self):
        response = self.http.get(self.server.url("/api/contacts"))
        assert response.status_code == 200, response.text
        return response.json()["contacts"]

    def names(self):
        return sorted(contact["name"] for contact in self.list())

    def add(self, name, numbers, shared_on=None, note=""):
        return self.http.post(self.server.url("/api/contacts"), json={
            "name": name, "numbers": [{"label": label, "number": number} for label, number in numbers],
            "note": note, "sharedOn": shared_on})

    def put(self, contact_id, body):
        return self.http.put(self.server.url(f"/api/contacts/{contact_id}"), json=body)

    def delete(self, contact_id):
        return self.http.delete(self.server.url(f"/api/contacts/{contact_id}"))

    def import_file(self, data, shared_on=None):
        params = {"sharedOn": shared_on} if shared_on else {}
        return self.http.post(self.server.url("/api/contacts/import"), data=data, params=params,
                              headers={"Content-Type": "text/vcard"})


def test_each_user_sees_their_own_and_their_numbers_contacts_and_changes_no_others(server):
    alice, bob, carol = Book(server, "alice"), Book(server, "bob"), Book(server, "carol")

    made = alice.add("Alice's Doctor", [("work", "020 7946 0999")], note="Dr. Who")
    assert made.status_code == 201, made.text
    doctor = made.json()
    assert doctor["numbers"] == [{"label": "work", "number": "+442079460999"}]   # national, in alice's country
    assert doctor["sharedOn"] is None and doctor["note"] == "Dr. Who"
    shop = bob.add("Corner Shop", [("", "+1 415 555 0100"), ("cell", "+44 7700 900123")], shared_on=BOB_NUMBER).json()
    secret = bob.add("Bob's Secret", [("", "+14155550111")]).json()

    assert alice.names() == ["Alice's Doctor"]
    assert bob.names() == ["Bob's Secret", "Corner Shop"]
    assert carol.names() == ["Corner Shop"]                 # shared on her number; bob's private one is not hers
    assert carol.list()[0]["numbers"] == shop["numbers"]

    # Nobody changes or deletes what they cannot see: the answer is the same as for no contact.
    assert alice.put(shop["id"], {"name": "Taken", "numbers": []}).status_code == 404
    assert alice.delete(shop["id"]).status_code == 404
    assert carol.delete(secret["id"]).status_code == 404
    assert bob.delete(doctor["id"]).status_code == 404
    assert alice.delete(999999).status_code == 404
    # Nor shares on a number that is not theirs.
    refused = alice.add("Sneaky", [("", "+14155550122")], shared_on=BOB_NUMBER)
    assert refused.status_code == 400 and "sharedOn" in refused.json()["error"]
    assert bob.names() == ["Bob's Secret", "Corner Shop"]

    # Carol is on the shop's number: she may change it, and bob sees her change.
    changed = carol.put(shop["id"], {"name": "Corner Shop (new)", "numbers": [{"label": "work", "number": "+14155550199"}],
                                     "sharedOn": BOB_NUMBER})
    assert changed.status_code == 200, changed.text
    assert changed.json()["createdAt"] == shop["createdAt"]
    assert [c["numbers"] for c in bob.list() if c["id"] == shop["id"]] == [[{"label": "work", "number": "+14155550199"}]]
    # Bob makes his secret shared; carol now sees it. Then alice deletes her own.
    assert bob.put(secret["id"], {"name": "Bob's Secret", "numbers": [], "sharedOn": BOB_NUMBER}).status_code == 200
    assert carol.names() == ["Bob's Secret", "Corner Shop (new)"]
    assert alice.delete(doctor["id"]).status_code == 204
    assert alice.names() == []

    # Every field error names the field; nothing is kept.
    for body, field in [({"numbers": []}, "name"), ({"name": "X", "numbers": [{"number": "12"}]}, "numbers[0]"),
                        ({"name": "X"}, "numbers"), ({"name": "X" * 201, "numbers": []}, "name")]:
        answer = alice.http.post(server.url("/api/contacts"), json=body)
        assert answer.status_code == 400 and field in answer.json()["error"], (body, answer.text)
    assert alice.http.post(server.url("/api/contacts"), data=b"{", headers={"Content-Type": "application/json"}).status_code == 400
    assert alice.names() == []

    # Session and CSRF: none -> 401, a wrong token -> 403.
    anonymous = login(server, "alice")
    assert anonymous.post(server.url("/api/contacts"), json={"name": "X", "numbers": []}).status_code == 403
    assert requests.get(server.url("/api/contacts")).status_code == 401


def test_hand_written_vcards_and_csv_import_and_the_export_imports_back_the_same(server):
    alice, carol = Book(server, "alice"), Book(server, "carol")
    expected = {
        "rfc6350-section8.vcf": {"Simon Perreault": ["+14186569254", "+14182626501"]},
        "rfc2426-section7.vcf": {"Frank Dawson": ["+19196769515", "+19196769564"],
                                 "Tim Howes": ["+14159373419", "+14155284164"]},
        "address-book-export.vcf": {"John Smith, Jr.": ["+447700900123", "+442079460018"],
                                    "Máire Ó Briain": ["+35312345678"]},
        "contacts.csv": {"Ann Example": ["+447700900111"], "Bob, the builder": ["+442079460222", "+442079460333"]},
    }
    for name, contacts in expected.items():
        answer = alice.import_file(fixture(name))
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["imported"] == len(contacts)
        assert {c["name"]: [n["number"] for n in c["numbers"]] for c in answer.json()["contacts"]} == contacts
    noted = alice.add("Gate", [("door", "+442079460555")], note="code 1234; ring twice,\nthen wait")
    assert noted.status_code == 201, noted.text
    everyone = {name: numbers for contacts in expected.values() for name, numbers in contacts.items()}
    everyone["Gate"] = ["+442079460555"]
    listed = alice.list()
    assert {c["name"]: [n["number"] for n in c["numbers"]] for c in listed} == everyone
    assert all(c["sharedOn"] is None for c in listed)

    exported = alice.http.get(server.url("/api/contacts/export.vcf"))
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("text/vcard")
    assert exported.text.count("BEGIN:VCARD") == len(everyone)
    # Carol imports alice's export, shared on her number: the same names, numbers, labels and notes.
    back = carol.import_file(exported.content, shared_on=BOB_NUMBER)
    assert back.status_code == 200, back.text
    def shape(contacts):
        return sorted((c["name"], [(n["label"], n["number"]) for n in c["numbers"]], c["note"]) for c in contacts)
    assert shape(carol.list()) == shape(listed)
    assert {c["sharedOn"] for c in carol.list()} == {BOB_NUMBER}


def test_importing_the_same_files_twice_keeps_one_copy_of_each_contact(server):
    alice, carol = Book(server, "alice"), Book(server, "carol")
    files = ["rfc2426-section7.vcf", "address-book-export.vcf", "contacts.csv"]
    first = [alice.import_file(fixture(name)) for name in files]
    assert [r.status_code for r in first] == [200] * 3
    assert [(r.json()["imported"], r.json()["alreadyKept"]) for r in first] == [(2, 0), (2, 0), (2, 0)]
    before = alice.list()
    again = [alice.import_file(fixture(name)) for name in files]
    assert [(r.status_code, r.json()["imported"], r.json()["alreadyKept"], r.json()["contacts"]) for r in again] == \
        [(200, 0, 2, [])] * 3
    assert alice.list() == before, "nothing added, nothing changed"
    # The same person written another way: other case and spacing, a number in national form.
    other_way = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:ann   EXAMPLE\r\nTEL;TYPE=cell:07700 900111\r\nEND:VCARD\r\n"
                 "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example\r\nTEL:+44 7700 900999\r\nEND:VCARD\r\n"
                 "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example\r\nTEL:+44 7700 900999\r\nEND:VCARD\r\n").encode()
    answer = alice.import_file(other_way)
    assert answer.status_code == 200, answer.text
    # The first is alice's Ann; the second shares no number with her (a namesake): kept once,
    # its twin later in the same file is not.
    assert (answer.json()["imported"], answer.json()["alreadyKept"]) == (1, 2)
    assert [n["number"] for n in answer.json()["contacts"][0]["numbers"]] == ["+447700900999"]
    assert alice.names().count("Ann Example") == 2
    # Another owner is another address book: carol sharing the file on her number gets her own copies,
    # once, and alice's private contacts are untouched.
    shared = [carol.import_file(fixture("rfc2426-section7.vcf"), shared_on=BOB_NUMBER) for _ in range(2)]
    assert [(r.json()["imported"], r.json()["alreadyKept"]) for r in shared] == [(2, 0), (0, 2)]
    assert len(alice.list()) == len(before) + 1


@pytest.mark.parametrize("name, lines", [("broken.vcf", [9, 11, 17, 21]), ("broken.csv", [5, 2, 3, 4])])
def test_a_broken_file_names_every_bad_row_and_keeps_nothing(server, name, lines):
    alice = Book(server, "alice")
    answer = alice.import_file(fixture(name))
    assert answer.status_code == 400, answer.text
    report = answer.json()
    assert [row["line"] for row in report["rows"]] == lines
    assert all(row["reason"] for row in report["rows"])
    assert "nothing was imported" in report["error"]
    assert alice.names() == []     # the good rows of the file were not kept either


def test_files_the_import_refuses_cost_nothing_and_keep_nothing(server):
    alice = Book(server, "alice")
    card = b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Someone\r\nTEL:+447700900001\r\nEND:VCARD\r\n"
    # The route's own limit (1 MiB) answers the head, before any of the body is read.
    path = urllib.parse.urlsplit(server.url("/api/contacts/import")).path
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {1024 * 1024 + 1}\r\n\r\n".encode()
    assert raw_request(server.port, head).startswith(b"HTTP/1.1 413")
    # A single contact has its own, smaller limit (64 KiB).
    head = f"POST {path[:-len('/import')]} HTTP/1.1\r\nHost: x\r\nContent-Length: {64 * 1024 + 1}\r\n\r\n".encode()
    assert raw_request(server.port, head).startswith(b"HTTP/1.1 413")
    not_utf8 = alice.import_file(b"BEGIN:VCARD\r\nFN:\xff\xfe\r\n")
    assert not_utf8.status_code == 400 and "UTF-8" in not_utf8.json()["error"]
    empty = alice.import_file(b"")
    assert empty.status_code == 400
    assert alice.names() == []
    assert alice.import_file(card).status_code == 200
    assert alice.names() == ["Someone"]


@contextlib.contextmanager
def listen(server, book):
    """The user's dialer WebSocket, past its hello."""
    cookie = "; ".join(f"{c.name}={c.value}" for c in book.http.cookies if c.path in ("/", ""))
    ws_url = server.base_url.replace("http://", "ws://") + "/ws"
    with ws_connect(ws_url, origin=server.base_url, additional_headers={"Cookie": cookie}, open_timeout=5) as socket:
        assert json.loads(socket.recv(timeout=10))["type"] == "hello"
        yield socket


def test_changes_reach_the_dialers_that_see_the_contact_and_no_others(server):
    alice, bob, carol = Book(server, "alice"), Book(server, "bob"), Book(server, "carol")
    with listen(server, alice) as alice_socket, listen(server, carol) as carol_socket:
        shop = bob.add("Corner Shop", [("", "+14155550100")], shared_on=BOB_NUMBER).json()
        event = json.loads(carol_socket.recv(timeout=10))
        assert event == {"type": "contacts.changed", "data": {"ids": [shop["id"]]}}
        assert bob.delete(shop["id"]).status_code == 204
        assert json.loads(carol_socket.recv(timeout=10))["data"] == {"ids": [shop["id"]]}
        # alice is on neither number: the first event she gets is about her own contact.
        own = alice.add("Alice's Doctor", [("", "+442079460999")]).json()
        assert json.loads(alice_socket.recv(timeout=10)) == {"type": "contacts.changed", "data": {"ids": [own["id"]]}}
        # Neither alice's contact nor bob's private one reaches carol: her next event is her own shared one.
        bob.add("Bob's Secret", [("", "+14155550111")])
        shared = carol.add("Carol's Plumber", [("", "+14155550122")], shared_on=BOB_NUMBER).json()
        assert json.loads(carol_socket.recv(timeout=10))["data"] == {"ids": [shared["id"]]}

"""For the several-instances tests: two Shetphones on one PostgreSQL behind the real NGINX of
nginx.conf.example (its upstream with the commented second server switched on), and `link`, a
road to the database that a test can cut for one instance only."""
import contextlib
import os
import re
import shutil
import time

import pytest

from conftest import DEFAULT_INI
from nginx_helpers import EXAMPLE, Nginx, free_ports, make_certificate, nginx_conf, short_tempdir, site_from_example
from postgres_helpers import CuttableLink

BASE = "/shetphone"


@pytest.fixture
def link(postgres):
    """Instance A's own road to `postgres`, which the test can cut while B keeps its own."""
    road = CuttableLink(postgres.port)
    yield road
    road.close()


def two_instances(shetphone_factory, tmp_path, urls, ini=DEFAULT_INI):
    """Instances A and B, each in its own folder (its own state_dir), A on the database at
    `urls[0]`, B at `urls[1]`: the same PostgreSQL, perhaps by different roads (`link`)."""
    servers = []
    for name, url in zip(("a", "b"), urls):
        folder = tmp_path / name
        folder.mkdir()
        servers.append(shetphone_factory(ini=ini + f"\n[store]\nurl = {url}\n", workdir=folder))
    return servers


class Upstream:
    """What `behind_nginx` made: the instances (A first), NGINX, and the public https URL."""

    def __init__(self, servers, nginx, https_port, cert):
        self.servers = servers
        self.nginx = nginx
        self.https_port = https_port
        self.cert = cert  # NGINX's throw-away certificate, for `requests`' verify=
        self.origin = f"https://localhost:{https_port}"
        self.public = self.origin + BASE


def upstream_site(example, sockets, http_port, https_port, cert, key, backup=False):
    """The example's site with its two upstream servers on `sockets` (B marked `backup` when
    asked: NGINX then sends everything to A while A answers, and to B once it does not)."""
    second = re.search(r"^(\s*)#\s*(server unix:\S+;)\s*$", example, flags=re.M)
    assert second, "nginx.conf.example shows no second upstream server"
    example = example.replace(second.group(0), f"{second.group(1)}server unix:SECOND;")
    site = site_from_example(http_port=http_port, https_port=https_port, cert=cert, key=key,
                             socket_path=sockets[0], text=example)
    # site_from_example points every unix: address at A; the second server line goes to B.
    first = f"server unix:{sockets[0]};"
    assert site.count(first) == 2, site
    head, tail = site.split(first, 1)
    site = head + first + tail.replace(first, f"server unix:{sockets[1]}{' backup' if backup else ''};", 1)
    return site


@contextlib.contextmanager
def behind_nginx(store_urls, shetphone_factory, tmp_path, backup=False):
    """Instances A and B (A on `store_urls[0]`, B on `store_urls[1]`) under `BASE` with
    `public_url` set, each on a Unix socket (for NGINX) and 127.0.0.1 (for webhooks sent straight
    to one of them), behind the example's NGINX on https."""
    if shutil.which("nginx") is None and not os.path.exists("/usr/sbin/nginx"):
        pytest.fail("nginx is not installed (scripts/test installs it)")
    folder = short_tempdir()
    nginx = None
    try:
        http_port, https_port = free_ports(2)
        public = f"https://localhost:{https_port}{BASE}"
        sockets = [os.path.join(folder, "a.sock"), os.path.join(folder, "b.sock")]
        servers = []
        for name, socket_path, url in zip(("a", "b"), sockets, store_urls):
            workdir = tmp_path / name
            workdir.mkdir()
            ini = DEFAULT_INI.replace("[app]\n", f"[app]\nbase_path = {BASE}\npublic_url = {public}\n").replace(
                "listen = 127.0.0.1:0", f"listen = unix:{socket_path} 127.0.0.1:0\nsocket_mode = 0660")
            servers.append(shetphone_factory(ini=ini + f"\n[store]\nurl = {url}\n", workdir=workdir))
        cert, key = make_certificate(folder)
        site = upstream_site(open(EXAMPLE).read(), sockets, http_port, https_port, cert, key, backup=backup)
        nginx = Nginx(folder, nginx_conf(site, folder))
        nginx.start(https_port)
        yield Upstream(servers, nginx, https_port, cert)
    finally:
        if nginx:
            nginx.stop()
        shutil.rmtree(folder, ignore_errors=True)


def until(check, what, seconds=20):
    """Polls `check` until it returns a true value (a hang guard, not a speed check); `what`
    (text, or a function giving it) names what never happened."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"never happened: {what() if callable(what) else what}")

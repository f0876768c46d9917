"""libpq and libcurl are opened on first use, not at start (Sources/System/CLazyPostgres,
CLazyCurl): an idle server with SQLite maps neither, and when one cannot be loaded its first use
fails with an error naming the library and the dynamic linker's reason, not a crash. The library
is made unloadable by an empty file of its soname on LD_LIBRARY_PATH, which the dynamic linker
finds first and refuses ("file too short")."""
import subprocess
import urllib.request

from conftest import binary


def mapped_files(pid):
    with open(f"/proc/{pid}/maps") as f:
        return {line.split()[5] for line in f if len(line.split()) > 5}


def unloadable(tmp_path, soname):
    folder = tmp_path / "broken-libraries"
    folder.mkdir(exist_ok=True)
    (folder / soname).write_bytes(b"")
    return str(folder)


def test_an_idle_server_with_sqlite_maps_neither_libpq_nor_libcurl(shetphone_server):
    with urllib.request.urlopen(shetphone_server.url("/healthz"), timeout=10) as response:
        assert response.status == 200
    names = [path.rsplit("/", 1)[-1] for path in mapped_files(shetphone_server.proc.pid)]
    assert any(name.startswith("libsqlite3.so") for name in names), names
    assert not [name for name in names if name.startswith(("libpq.so", "libcurl.so"))], names


def test_without_libpq_the_postgres_store_fails_naming_it(tmp_path):
    (tmp_path / "shetphone.ini").write_text(
        "[numbers]\n+442079460174 = alice\n[store]\nurl = postgresql://127.0.0.1:9/shetphone\n")
    result = subprocess.run([binary(), "migrate", "--config", str(tmp_path / "shetphone.ini")], cwd=tmp_path,
                            env={"LD_LIBRARY_PATH": unloadable(tmp_path, "libpq.so.5")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "cannot connect to PostgreSQL at postgresql://127.0.0.1:9/shetphone: libpq.so.5 cannot be loaded: " \
        in result.stderr, result.stderr
    assert "libpq.so.5: file too short" in result.stderr, result.stderr


def test_without_libcurl_a_notice_fails_naming_it(tmp_path):
    config = tmp_path / "shetphone.ini"
    config.write_text("[smtp]\nhost = 127.0.0.1\nport = 9\nsecurity = none\nfrom = phone@example.com\n")
    result = subprocess.run([binary(), "test-notice", "--config", str(config), "--email", "alice@example.com"],
                            env={"LD_LIBRARY_PATH": unloadable(tmp_path, "libcurl.so.4")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "email to alice@example.com: outbound client unavailable: libcurl.so.4 cannot be loaded: " \
        in result.stderr, result.stderr
    assert "libcurl.so.4: file too short" in result.stderr, result.stderr
    # With the library there, the same command gets as far as the (closed) SMTP port.
    result = subprocess.run([binary(), "test-notice", "--config", str(config), "--email", "alice@example.com"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "smtp://127.0.0.1:9: cannot connect" in result.stderr, result.stderr

"""A real PostgreSQL from Debian's `postgresql` package for the integration tests.

initdb and pg_ctl in a temporary folder: a Unix socket there and TCP on a free 127.0.0.1 port.
initdb refuses to run as root, so as root the server runs as the `postgres` user the package
creates (or `nobody`). `stop()`/`start()` let a test take the database away and bring it back.
"""
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading

from nginx_helpers import free_port


def bin_dir():
    """The newest /usr/lib/postgresql/N/bin that has initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    return os.path.dirname(found[-1]) if found else None


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder; `close()` stops it and removes the folder."""

    def __init__(self, fsync=False):
        """`fsync=False` for tests (nothing here must survive a power cut); benchmarks want True."""
        self.fsync = fsync
        self.bin = bin_dir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.folder = tempfile.mkdtemp(prefix="sp-pg-", dir="/tmp")
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres" if _has_user("postgres") else "nobody"
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        os.chmod(self.folder, 0o755)
        self.data = os.path.join(self.folder, "data")
        self._run("initdb", "-D", self.data, "-U", "shetphone", "--auth=trust", "-E", "UTF8", "--no-sync",
                  "--no-instructions")
        self.start()

    @property
    def url(self):
        """Over the Unix socket in the temporary folder."""
        return f"postgresql://shetphone@/postgres?host={self.folder}&port={self.port}"

    @property
    def tcp_url(self):
        return f"postgresql://shetphone@127.0.0.1:{self.port}/postgres"

    def start(self):
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1"
        if not self.fsync:
            options += " -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", os.path.join(self.folder, "log"),
                  "-w", "-t", "30", "start")

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def psql(self, sql):
        """Runs `sql` with Debian's psql; returns its unaligned output."""
        out = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                              "-d", self.url, "-c", sql], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"psql failed: {out.stderr}")
        return out.stdout.strip()

    def log(self):
        path = os.path.join(self.folder, "log")
        return open(path).read() if os.path.exists(path) else ""

    def close(self):
        try:
            self.stop(mode="immediate")
        except RuntimeError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, tool, *args):
        command = [os.path.join(self.bin, tool), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--"] + command
        # Output to a file: the server that pg_ctl starts must not hold a pipe of ours.
        with open(os.path.join(self.folder, "command.out"), "w+") as out:
            result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    cwd=self.folder)
            out.seek(0)
            text = out.read()
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{text}\n{self.log()}")
        return text


def _has_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


class CuttableLink:
    """A TCP relay from 127.0.0.1:`port` to the database's TCP port that a test can cut: `cut()`
    drops every relayed connection and refuses new ones (one instance loses its database while
    the others keep it), `mend()` lets connections through again. Bytes pass untouched."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.open = True
        self.closed = False
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, database="postgres"):
        return f"postgresql://shetphone@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def cut(self):
        with self.lock:
            self.open = False
            connections, self.connections = self.connections, []
        for connection in connections:
            _hang_up(connection)

    def mend(self):
        with self.lock:
            self.open = True

    def close(self):
        self.closed = True
        self.cut()
        self.listener.close()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                allowed = self.open
            if not allowed:
                _hang_up(client)
                continue
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                server.settimeout(None)
            except OSError:
                _hang_up(client)
                continue
            with self.lock:
                self.connections += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        _hang_up(sink)


def _hang_up(connection):
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()

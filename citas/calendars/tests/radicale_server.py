"""A real Radicale CalDAV server on 127.0.0.1, in its own process, for the tests."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import caldav

USER, PASSWORD = "luis", "app-password-123"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RadicaleServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def __enter__(self):
        users = self.folder / "users"
        users.write_text(f"{USER}:{PASSWORD}\n")
        self.process = subprocess.Popen(  # noqa: S603 — our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "radicale",
                "--server-hosts",
                f"127.0.0.1:{self.port}",
                "--storage-filesystem-folder",
                str(self.folder / "collections"),
                "--auth-type",
                "htpasswd",
                "--auth-htpasswd-filename",
                str(users),
                "--auth-htpasswd-encryption",
                "plain",
                "--rights-type",
                "owner_only",
                "--logging-level",
                "warning",
                "--auth-delay",
                "0",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError("Radicale did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)

    def client(self) -> caldav.DAVClient:
        return caldav.DAVClient(url=self.url, username=USER, password=PASSWORD)

    def make_calendar(self, name: str):
        return self.client().principal().make_calendar(name=name)

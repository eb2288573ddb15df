"""A real gunicorn, with the production logger class, serving token URLs: the access log
keeps the request but not the token."""

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from config.gunicorn_logging import redact

TOKEN = "Abc_def-0123456789abcdefghijklmnopqrstuvwxy"  # 43 characters, like the real ones
BASE_DIR = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /cita/{TOKEN}/cancelar/ HTTP/1.1", "GET /cita/…/cancelar/ HTTP/1.1"),
        (f"/feed/{TOKEN}.ics", "/feed/….ics"),
        (f"https://x.es/invitaciones/{TOKEN}/", "https://x.es/invitaciones/…/"),
        (f"/r/fisio/reserva/{TOKEN}/", "/r/fisio/reserva/…/"),
        ("/r/fisio/?service=3", "/r/fisio/?service=3"),
        ("/app/citas/12/", "/app/citas/12/"),
    ],
)
def test_tokens_in_paths_are_redacted(line, expected):
    assert redact(line) == expected


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_leaves_the_tokens_out(tmp_path):
    port, log = _free_port(), tmp_path / "access.log"
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", "1",
        "--access-logfile", str(log),
        "--logger-class", "config.gunicorn_logging.RedactingLogger",
    ]  # fmt: skip
    env = {"DEBUG": "true", "PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:"}
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        url = f"http://127.0.0.1:{port}/feed/{TOKEN}.ics"
        for _attempt in range(100):
            try:
                urllib.request.urlopen(url, timeout=2)  # noqa: S310 — loopback
            except urllib.error.HTTPError:
                break  # any HTTP answer means the request was served and logged
            except OSError:
                time.sleep(0.1)
        for _attempt in range(50):
            if log.exists() and log.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)

    text = log.read_text()
    assert "GET /feed/….ics" in text
    assert TOKEN not in text

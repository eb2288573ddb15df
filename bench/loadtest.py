"""`make loadtest`: throughput under load, on PostgreSQL with production settings.

Creates its own database (LOADTEST_DATABASE_URL), seeds one practice with LOADTEST_APPOINTMENTS
appointments (200k by default, inserted by PostgreSQL itself), starts gunicorn (2 sync workers,
DEBUG off, on 127.0.0.1:LOADTEST_PORT), and runs wrk against each endpoint in turn, round after
round (interleaved, so that the machine's noise hits every endpoint alike). Prints, per endpoint,
the median over rounds of req/s, p50/p95/p99 latency and the ratio to /healthz's req/s in the
same round; then the availability API's 30 days "any" timed in this process, before the load,
with the cache emptied before each call (cold) and right after (warm). Bounded: rounds × endpoints ×
LOADTEST_SECONDS, plus a few seconds. Not part of CI.
"""

import http.client
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/citas_loadtest"
)
PORT = int(os.environ.get("LOADTEST_PORT", "21300"))
APPOINTMENTS = int(os.environ.get("LOADTEST_APPOINTMENTS", "200000"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "5"))
ROUNDS = int(os.environ.get("LOADTEST_ROUNDS", "3"))
CONNECTIONS = int(os.environ.get("LOADTEST_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "2"))

ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": DATABASE_URL,
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "REDIS_URL": os.environ.get("LOADTEST_REDIS_URL", ""),
    # wrk is one address asking thousands of times an hour: measure the pages, not the
    # per-address limits (which would answer 429 after 600 reads).
    "AVAILABILITY_READS_PER_HOUR": "0",
}


def prepare() -> list[tuple[str, str, dict[str, str]]]:
    """A fresh database with the seeded history; returns (name, path, headers) per endpoint."""
    os.environ.update(ENVIRONMENT)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.history import seed_history
    from citas.api.models import every_scope
    from citas.api.services import api_token_create
    from citas.core.factories import MembershipFactory
    from citas.practices.models import Role

    name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    started = time.perf_counter()
    today = timezone.localdate()
    history = seed_history(slug="carga", count=APPOINTMENTS, today=today)
    with connection.cursor() as cursor:
        # What autovacuum would soon do: statistics and the visibility map (index-only scans).
        cursor.execute("VACUUM ANALYZE")
    print(f"seeded {APPOINTMENTS} appointments in {time.perf_counter() - started:.1f} s")

    member = MembershipFactory(practice=history.practice, role=Role.OWNER)
    browser = Client()
    browser.force_login(member.user)
    staff = {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}
    token = api_token_create(
        user=member.user, practice=history.practice, name="carga", scopes=every_scope()
    )[1]
    api = {"Authorization": f"Bearer {token}"}
    slug, service = history.practice.slug, history.service.pk
    month = f"from={today}&to={today + timedelta(days=29)}"
    monday = today - timedelta(days=today.weekday())
    week = f"start={monday}T00:00&end={monday + timedelta(days=7)}T00:00"
    return [
        ("/healthz", "/healthz", {}),
        ("public booking page", f"/r/{slug}/", {}),
        ("calendar step, any", f"/r/{slug}/?service={service}&professional=any", {}),
        (
            "availability API 30 days, any",
            f"/api/v1/practices/{slug}/availability/?service={service}&{month}",
            {},
        ),
        ("staff agenda page", "/app/agenda/", staff),
        ("agenda feed, one week", f"/app/agenda/eventos/?{week}", staff),
        ("staff list, past tab", "/app/citas/?tab=past", staff),
        ("client list", "/app/clientes/", staff),
        ("API appointment list", "/api/v1/appointments/", api),
    ]


def cold_availability(endpoints, rounds: int = 5, calls: int = 30) -> str:
    """The availability API's 30 days "any" in this process (Django's test client, the same
    database), the cache emptied before each call, and again right after (warm): the median per
    round, then the median of the rounds."""
    from django.core.cache import cache
    from django.test import Client

    path = next(path for name, path, _ in endpoints if name.startswith("availability API"))
    browser = Client(HTTP_HOST="127.0.0.1")
    for _ in range(5):
        cache.clear()
        browser.get(path)
    cold, warm = [], []
    for _ in range(rounds):
        pairs = []
        for _ in range(calls):
            cache.clear()
            started = time.perf_counter()
            assert browser.get(path).status_code == 200
            between = time.perf_counter()
            browser.get(path)
            pairs.append((between - started, time.perf_counter() - between))
        cold.append(statistics.median(c for c, _ in pairs) * 1000)
        warm.append(statistics.median(w for _, w in pairs) * 1000)
    return (
        f"availability API 30 days, any, in-process, before the load: cold "
        f"{statistics.median(cold):.1f} ms, warm {statistics.median(warm):.1f} ms (rounds: cold "
        f"{', '.join(f'{c:.1f}' for c in cold)})"
    )


def wrk(path: str, headers: dict[str, str]) -> dict[str, float]:
    command = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "latency.lua"),
    ]  # fmt: skip
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run(  # noqa: S603 — our own command line
        [*command, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True, check=True
    ).stdout
    result = {}
    for line in output.splitlines():
        key, _, value = line.partition(" ")
        if key in ("rps", "p50", "p95", "p99", "errors"):
            result[key] = float(value)
    return result


def check_answers(endpoints) -> None:
    """Every endpoint answers 200 itself (not a redirect to the login page, not an error)."""
    for name, path, headers in endpoints:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        connection.request("GET", path, headers=headers)
        status = connection.getresponse().status
        connection.close()
        if status != 200:
            raise SystemExit(f"{name}: HTTP {status} for {path}")


def drain() -> None:
    """Wait until the workers have answered what the last run left queued: wrk stops sending,
    but requests already accepted are still served and would eat into the next case's time.
    One /healthz per worker, one after another, returns only when the queue is empty."""
    for _ in range(WORKERS):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        connection.close()


def wait_until_up(process: subprocess.Popen, port: int = PORT) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit("gunicorn exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 1
    endpoints = prepare()
    # Before the load: measured after it, the machine and the database are still busy with it
    # (seen: 17.5 ms right after a run, 10–11 ms on the same data a minute later).
    cold = cold_availability(endpoints)
    gunicorn = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "config.wsgi:application",
         "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS), "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, **ENVIRONMENT},
    )  # fmt: skip
    try:
        wait_until_up(gunicorn)
        check_answers(endpoints)
        for _name, path, headers in endpoints:  # warm up: caches, connections, imports
            wrk(path, headers)
            drain()
        runs: dict[str, list[dict[str, float]]] = {name: [] for name, _, _ in endpoints}
        for round_number in range(ROUNDS):
            print(f"round {round_number + 1}/{ROUNDS}", file=sys.stderr)
            for name, path, headers in endpoints:
                runs[name].append(wrk(path, headers))
                drain()
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    healthz = runs["/healthz"]
    print(
        f"\n{APPOINTMENTS} appointments, {WORKERS} sync workers, wrk -c{CONNECTIONS} "
        f"{SECONDS}s × {ROUNDS} interleaved rounds; medians over rounds"
    )
    print(f"{'endpoint':<32}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
          f"{'÷ healthz':>11}")  # fmt: skip
    for name, results in runs.items():
        pairs = zip(results, healthz, strict=True)
        ratio = statistics.median(r["rps"] / h["rps"] for r, h in pairs)
        row = [statistics.median(r[key] for r in results) for key in ("rps", "p50", "p95", "p99")]
        errors = sum(r["errors"] for r in results)
        print(f"{name:<32}{row[0]:9.1f}{row[1]:9.1f}{row[2]:9.1f}{row[3]:9.1f}{errors:8.0f}"
              f"{ratio:11.3f}")  # fmt: skip
    print(cold)
    failed = [name for name, results in runs.items() if any(r["errors"] for r in results)]
    if failed:
        print(f"errors (non-2xx answers or timeouts) for: {', '.join(failed)}; "
              "their req/s do not measure the page", file=sys.stderr)  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

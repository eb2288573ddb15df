"""`make lighthouse`: Lighthouse scores of the main pages on a phone. Optional, not part of CI.

Installs Lighthouse from npm into LIGHTHOUSE_CACHE (default ~/.cache/citas-lighthouse, outside
the repository; nothing is added to the app), loads the demo practice into a throwaway SQLite
database (or LIGHTHOUSE_DATABASE_URL, which it migrates and seeds), collects the static files,
starts gunicorn with production settings (DEBUG off, whitenoise) on 127.0.0.1:LIGHTHOUSE_PORT
and runs Lighthouse's default mobile emulation (Moto G Power, slow 4G, 4× CPU slowdown) in the
system Chromium (CHROME_PATH, default /usr/bin/chromium), Spanish first (Accept-Language es-ES).

Pages: the public booking page, its calendar step, the client's manage link, "Mis citas" (signed
in as the demo client), the login page and the staff agenda (signed in as the demo owner; the
session cookie is sent as a header). Runs every page LIGHTHOUSE_RUNS (3) times, interleaved,
and prints the median score per page and category (performance, accessibility, best practices,
SEO) and the weighted audits that did not pass; the JSON reports go to bench/results/.
Scores vary with the machine's load (performance most): compare runs made on the same machine.
"""

import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.loadtest import wait_until_up

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("LIGHTHOUSE_CACHE", Path.home() / ".cache" / "citas-lighthouse"))
VERSION = os.environ.get("LIGHTHOUSE_VERSION", "12.8.2")
PORT = int(os.environ.get("LIGHTHOUSE_PORT", "21400"))
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --lang=es-ES"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
RESULTS = ROOT / "bench" / "results" / "lighthouse"
RUNS = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
ATTEMPTS = 3


def lighthouse_binary() -> Path:
    binary = CACHE / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(  # noqa: S603 — npm with our own arguments
            ["npm", "install", "--prefix", str(CACHE), "--no-audit", "--no-fund",  # noqa: S607
             f"lighthouse@{VERSION}"],
            check=True,
        )  # fmt: skip
    return binary


def environment(database_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "SITE_URL": f"http://127.0.0.1:{PORT}",
        # Plain HTTP on loopback: no redirect to HTTPS, cookies without the Secure flag.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "HUEY_IMMEDIATE": "false",
    }


def prepare() -> list[tuple[str, str, dict[str, str]]]:
    """Migrate, seed the demo, collect static files; (name, path, headers) per page."""
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from allauth.mfa.utils import is_mfa_enabled
    from django.core.management import call_command
    from django.test import Client

    from citas.accounts.models import User
    from citas.booking.models import Appointment
    from citas.core.demo import DEMO_PEOPLE, DEMO_SLUG, load_demo

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    passwords = {email: secrets.token_urlsafe(12) for email, *_ in DEMO_PEOPLE}
    practice, _created = load_demo(passwords=passwords)
    service = practice.services.filter(is_active=True).order_by("pk").first()
    appointment = Appointment.objects.filter(practice=practice).order_by("start").first()

    def cookie(email: str) -> dict[str, str]:
        user = User.objects.get(email=email)
        if user.memberships.exists() and not is_mfa_enabled(user):
            TOTP.activate(user, generate_totp_secret())  # staff pages require two-step sign-in
        browser = Client()
        browser.force_login(user)
        return {"Cookie": f"sessionid={browser.cookies['sessionid'].value}"}

    return [
        ("booking page", f"/r/{DEMO_SLUG}/", {}),
        ("calendar step", f"/r/{DEMO_SLUG}/?service={service.pk}&professional=any", {}),
        ("manage link", f"/cita/{appointment.token}/", {}),
        ("Mis citas", "/mis-citas/", cookie("cliente@demo.test")),
        ("login", "/accounts/login/", {}),
        ("staff agenda", "/app/agenda/", cookie("ana@demo.test")),
    ]


def audit(binary: Path, name: str, path: str, headers: dict[str, str]) -> dict:
    report = RESULTS / f"{name.lower().replace(' ', '-')}.json"
    command = [
        str(binary), f"http://127.0.0.1:{PORT}{path}",
        "--output=json", f"--output-path={report}", "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--extra-headers={json.dumps({'Accept-Language': 'es-ES,es;q=0.9', **headers})}",
    ]  # fmt: skip
    for attempt in range(1, ATTEMPTS + 1):
        # On a loaded machine Lighthouse sometimes loses the trace (NO_NAVSTART): run it again.
        finished = subprocess.run(command, check=False, env={**os.environ, "CHROME_PATH": CHROME})  # noqa: S603
        if finished.returncode == 0:
            break
        print(f"{name}: Lighthouse failed (attempt {attempt}/{ATTEMPTS})", file=sys.stderr)
    else:
        raise SystemExit(f"{name}: Lighthouse failed {ATTEMPTS} times")
    result = json.loads(report.read_text())
    if result["finalDisplayedUrl"] != f"http://127.0.0.1:{PORT}{path}":
        raise SystemExit(f"{name}: ended on {result['finalDisplayedUrl']}, not on {path}")
    return result


def failed_audits(result: dict) -> list[str]:
    """The weighted audits that did not pass (insights and diagnostics weigh nothing)."""
    lines = []
    for key in CATEGORIES:
        for ref in result["categories"][key]["auditRefs"]:
            found = result["audits"][ref["id"]]
            scored = ref["weight"] > 0 and found["scoreDisplayMode"] in ("binary", "numeric")
            if scored and (found["score"] or 0) < 0.9:
                shown = found.get("displayValue", "")
                lines.append(f"    {key}: {ref['id']} ({found['score']}) {shown}".rstrip())
    return lines


def median_score(results: list[dict], category: str) -> str:
    """The median score; a run without one (Lighthouse's NO_LCP on a loaded machine makes the
    performance score null) is left out and counted."""
    scores = [r["categories"][category]["score"] for r in results]
    found = [round(score * 100) for score in scores if score is not None]
    text = str(round(statistics.median(found))) if found else "-"
    missing = len(scores) - len(found)
    return f"{text} ({missing} null)" if missing else text


def main() -> int:
    binary = lighthouse_binary()
    with tempfile.TemporaryDirectory() as scratch:
        database_url = os.environ.get(
            "LIGHTHOUSE_DATABASE_URL", f"sqlite:///{Path(scratch) / 'lighthouse.sqlite3'}"
        )
        env = environment(database_url)
        os.environ.update(env)
        pages = prepare()
        gunicorn = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "config.wsgi:application",
             "--bind", f"127.0.0.1:{PORT}", "--workers", "2", "--log-level", "warning"],
            cwd=ROOT, env={**os.environ, **env},
        )  # fmt: skip
        RESULTS.mkdir(parents=True, exist_ok=True)
        runs: dict[str, list[dict]] = {name: [] for name, _, _ in pages}
        try:
            wait_until_up(gunicorn, PORT)
            for _round in range(RUNS):  # interleaved: the machine's noise hits every page alike
                for name, path, headers in pages:
                    runs[name].append(audit(binary, name, path, headers))
        finally:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
    version = runs[pages[0][0]][0]["lighthouseVersion"]
    print(f"\nLighthouse {version}, mobile preset, {CHROME}; median of {RUNS} interleaved runs")
    print(f"{'page':<16}" + "".join(f"{key:>16}" for key in CATEGORIES))
    for name, results in runs.items():
        print(f"{name:<16}" + "".join(f"{median_score(results, key):>16}" for key in CATEGORIES))
    for name, results in runs.items():
        if lines := failed_audits(results[-1]):
            print(f"  {name} (last run):", *lines, sep="\n")
    print(f"reports: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

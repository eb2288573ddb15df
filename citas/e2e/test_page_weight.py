"""The public booking page's weight on a first visit, as production serves it: files from
collectstatic (hashed names, gzip and brotli made by whitenoise) through WhiteNoise, not the test
server's static handler. Budget (issue 14): at most 100 KB on the wire, at most 8 requests."""

from datetime import time

import pytest
from django.core.management import call_command
from django.test.testcases import LiveServerThread

from citas.core.factories import (
    PracticeFactory,
    ProfessionalFactory,
    ServiceFactory,
    WorkingHoursFactory,
)
from citas.e2e.conftest import PHONE, _close, _page

pytestmark = pytest.mark.django_db(transaction=True)

MAX_BYTES = 100 * 1024
MAX_REQUESTS = 8


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    from django.test import override_settings

    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "citas.core.storage.StaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=root, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root, storages


@pytest.fixture
def production_server(request, settings, collected_static):
    """A live server whose requests all go through the middleware, WhiteNoise included."""
    root, storages = collected_static
    settings.STATIC_ROOT = root
    settings.STORAGES = storages
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_USE_FINDERS = False
    from django.db import connections

    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    host, _, port = (request.config.getoption("liveserver") or "127.0.0.1:0").partition(":")
    # Next to the ordinary live server's port when one is given; any free port otherwise.
    port = int(port) + 1 if port and int(port) else 0
    thread = LiveServerThread(
        host, static_handler=lambda app: app, connections_override=shared, port=port
    )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://{host}:{thread.port}"
    thread.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


def _first_visit(browser, url):
    page = _page(browser, PHONE)
    loads = []
    page.on("requestfinished", lambda r: loads.append((r.url, r.sizes())))
    page.set_default_timeout(60_000)  # the first visit to a cold server on a loaded machine
    page.goto(url, wait_until="networkidle")
    sizes = [(u, s["responseBodySize"] + s["responseHeadersSize"]) for u, s in loads]
    return page, sizes


def test_the_public_booking_page_stays_within_its_weight_budget(browser, production_server):
    practice = PracticeFactory(
        name="Fisio Centro", slug="fisio-centro", address="Calle Colón 5", phone="600 000 000"
    )
    professional = ProfessionalFactory(practice=practice, display_name="Lucía Fernández")
    WorkingHoursFactory(professional=professional, weekday=0, start_time=time(8), end_time=time(20))
    ServiceFactory(practice=practice, name="Sesión de fisioterapia", professionals=[professional])

    page, loads = _first_visit(browser, f"{production_server}/r/{practice.slug}/")
    page.get_by_role("heading", name="Fisio Centro").wait_for()
    # Compressed as WhiteNoise serves it: the big text files arrive as brotli.
    encodings = page.evaluate(
        "() => performance.getEntriesByType('resource')"
        ".map(e => [e.name, e.encodedBodySize, e.decodedBodySize])"
    )
    _close(page)
    total = sum(size for _, size in loads)
    report = (
        "\n".join(f"{size:>8} {url}" for url, size in loads)
        + f"\n{total:>8} in {len(loads)} requests"
    )
    print(report)
    assert any(encoded < decoded / 2 for _, encoded, decoded in encodings), report
    assert len(loads) <= MAX_REQUESTS, report
    assert total <= MAX_BYTES, report

"""Content-Security-Policy, Permissions-Policy and cross-origin headers on every HTML page, no
inline script or style left in the templates, and the CSP report endpoint."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from citas.core.factories import (
    AppointmentFactory,
    ClientFactory,
    ProfessionalFactory,
    ServiceFactory,
)

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "citas"


def _routes_without_arguments(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.pattern.regex.groups:
                continue
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _routes_without_arguments(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
            yield prefix + entry.name


def _routes_with_arguments(owner):
    practice = owner.practice
    professional = ProfessionalFactory(practice=practice, membership=owner)
    service = ServiceFactory(practice=practice, professionals=[professional])
    appointment = AppointmentFactory(
        professional=professional, service=service, client=ClientFactory(practice=practice)
    )
    return [
        reverse("public_booking:page", args=[practice.slug]),
        reverse("booking_staff:appointment_detail", args=[appointment.pk]),
        reverse("booking_staff:client_detail", args=[appointment.client.pk]),
        reverse("catalog:edit", args=[service.pk]),
        reverse("manage:page", kwargs={"token": appointment.token}),
    ]


def _assert_security_headers(response, url):
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert re.fullmatch(r"'self'( 'nonce-[\w+/=]+')?", directives["script-src"]), url
    assert re.fullmatch(r"'self'( 'nonce-[\w+/=]+')?", directives["style-src"]), url
    assert directives["object-src"] == "'none'", url
    assert directives["frame-ancestors"] == "'none'", url
    assert "unsafe" not in policy, url
    assert "camera=()" in response["Permissions-Policy"], url
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
    assert response["Cross-Origin-Resource-Policy"] == "same-origin", url


@pytest.mark.parametrize("who", ["anonymous", "owner"])
def test_every_html_page_sends_the_security_headers(client, owner, who):
    if who == "owner":
        client.force_login(owner.user)
    urls = [reverse(name) for name in _routes_without_arguments()]
    urls += _routes_with_arguments(owner)
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.get("Content-Type", "").startswith("text/html"):
            _assert_security_headers(response, url)
            checked += 1
        elif url != reverse("healthz"):  # answered before every middleware, for load balancers
            # JSON, calendar files, redirects: the non-CSP headers still apply.
            assert response.get("Cross-Origin-Resource-Policy") == "same-origin", url
    assert checked >= 20


def test_the_api_docs_run_without_inline_script(client, owner):
    client.force_login(owner.user)
    page = client.get(reverse("api:docs"))
    _assert_security_headers(page, "docs")
    html = page.content.decode()
    assert not re.search(r"<script>", html)
    nonce = re.search(r"'nonce-([\w+/=]+)'", page["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in html
    script = re.search(r'<script src="([^"]*\?script=[^"]*)"', html).group(1)
    assert client.get(script.replace("&amp;", "&"))["Content-Type"].startswith(
        "application/javascript"
    )


@pytest.mark.parametrize("page", ["landing", "booking"])
def test_htmx_may_not_eval_or_inject_styles(client, page, db):
    # htmx reads only the first htmx-config: a page with settings of its own must not add a
    # second one (the booking page's scroll setting was ignored that way) nor drop these.
    url = reverse("landing")
    if page == "booking":
        url = reverse("public_booking:page", args=[ProfessionalFactory().practice.slug])
    html = client.get(url).content.decode()
    configs = re.findall(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert len(configs) == 1
    config = json.loads(configs[0])
    assert config["allowEval"] is False
    assert config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>"), "inline <script>"),
    (re.compile(r"<style(?![^>]*\bnonce=)[^>]*>"), "<style> without nonce"),
    (re.compile(r"\sstyle=\""), 'style="" attribute'),
    (re.compile(r"\son[a-z]+=\""), "inline event handler"),
    (re.compile(r"\shx-on"), "hx-on (needs eval)"),
]


def test_no_template_has_inline_script_or_style():
    # Emails are not web pages: mail clients need their inline styles and ignore the policy.
    pages = [p for p in TEMPLATES.rglob("templates/**/*.html") if "emails" not in p.parts]
    assert len(pages) > 50
    found = [
        f"{page.relative_to(TEMPLATES)}: {what}"
        for page in pages
        for pattern, what in INLINE
        if pattern.search(page.read_text())
    ]
    assert found == []


# The report endpoint


def test_violation_reports_are_logged(client, caplog):
    report = {"csp-report": {"violated-directive": "script-src-elem", "blocked-uri": "inline"}}
    with caplog.at_level(logging.WARNING, logger="citas.csp"):
        response = client.post(
            reverse("csp_report"), json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    assert "script-src-elem" in caplog.text


@pytest.mark.parametrize(
    ("body", "status"), [("not json", 400), ('"a string"', 400), ("[" * 20000, 413)]
)
def test_bad_reports_are_refused_without_logging(client, caplog, body, status):
    with caplog.at_level(logging.WARNING, logger="citas.csp"):
        response = client.post(reverse("csp_report"), body, content_type="application/json")
    assert response.status_code == status
    assert not [r for r in caplog.records if r.name == "citas.csp"]


def test_the_report_endpoint_only_accepts_post(client):
    assert client.get(reverse("csp_report")).status_code == 405

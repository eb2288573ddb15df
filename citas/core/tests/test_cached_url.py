"""`cached_reverse` and `{% cached_url %}` return exactly what `reverse()` and `{% url %}` would,
whatever the script prefix, URLconf or language of the request that asks."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.urls import clear_script_prefix, include, path, resolve, reverse, set_script_prefix
from django.urls.base import set_urlconf
from django.utils import translation

from citas.core.urls import cached_reverse

# A URLconf that mounts the whole site under /prefijo/, for the per-request URLconf case.
urlpatterns = [path("prefijo/", include(settings.ROOT_URLCONF))]

CACHED = re.compile(r"""\{%\s*cached_url\s+["']([^"']+)["']\s*%\}""")


def names_in_templates() -> set[str]:
    templates = Path(settings.BASE_DIR) / "citas" / "templates"
    return {name for page in templates.rglob("*.html") for name in CACHED.findall(page.read_text())}


@pytest.fixture
def reset_prefix():
    yield
    clear_script_prefix()
    set_urlconf(None)


def test_the_templates_use_it_for_the_navigation():
    assert {"practices:dashboard", "booking_staff:agenda", "account_logout"} <= names_in_templates()


@pytest.mark.parametrize("name", sorted(names_in_templates()))
def test_the_tag_writes_what_the_url_tag_writes(rf: RequestFactory, name):
    request = rf.get("/app/agenda/")
    request.resolver_match = resolve("/app/agenda/")
    context = Context({"request": request})
    context.request = request
    cached = Template(f'{{% load cached_url %}}{{% cached_url "{name}" %}}').render(context)
    plain = Template(f'{{% url "{name}" %}}').render(context)
    assert cached == plain == reverse(name)


def test_a_new_script_prefix_is_never_served_an_old_url(reset_prefix):
    assert cached_reverse("practices:dashboard") == "/app/"
    set_script_prefix("/citas/")
    assert cached_reverse("practices:dashboard") == "/citas/app/" == reverse("practices:dashboard")
    clear_script_prefix()
    assert cached_reverse("practices:dashboard") == "/app/"


def test_a_request_with_its_own_urlconf_gets_its_urls(reset_prefix):
    assert cached_reverse("booking_staff:agenda") == "/app/agenda/"
    set_urlconf(__name__)
    assert cached_reverse("booking_staff:agenda") == "/prefijo/app/agenda/"
    set_urlconf(None)
    assert cached_reverse("booking_staff:agenda") == "/app/agenda/"


def test_arguments_and_languages_are_part_of_the_key():
    assert cached_reverse("booking_staff:appointment_detail", (0,)) == reverse(
        "booking_staff:appointment_detail", args=[0]
    )
    assert cached_reverse("booking_staff:appointment_detail", (7,)) == reverse(
        "booking_staff:appointment_detail", args=[7]
    )
    for language in ("es", "en"):
        with translation.override(language):
            assert cached_reverse("practices:dashboard") == reverse("practices:dashboard")


@pytest.mark.parametrize(
    "tag", ['{% cached_url "practices:switch" 1 %}', "{% cached_url name %}", "{% cached_url %}"]
)
def test_only_a_quoted_name_without_arguments_is_accepted(tag):
    with pytest.raises(TemplateSyntaxError):
        Template("{% load cached_url %}" + tag)

"""`{% practice_nav %}`: the practice section of the navigation bar, drawn once per process
for each combination of what it shows.

The menu (some twenty links, the active one marked, the failed-notifications badge) was ~220
template nodes on every staff page. Its HTML depends only on the values in `NavKey`: the page
(URL name and app), the member's role flags, the badge's number and what the URLs and words
depend on (language, script prefix, URLconf). The template is drawn from those values alone,
in a context holding nothing else, so a value left out of the key could only be missing from
the menu, never stale in it.
"""

import functools
from typing import NamedTuple

from django import template
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

TEMPLATE = "partials/practice_nav.html"


class NavKey(NamedTuple):
    url_name: str | None
    app_name: str | None
    can_manage: bool
    is_reception: bool
    is_professional: bool
    failed_notification_count: int
    language: str | None
    script_prefix: str
    urlconf: str | None
    root_urlconf: str


@functools.lru_cache(maxsize=1024)
def _render(key: NavKey) -> str:
    return get_template(TEMPLATE).render(key._asdict())


@register.simple_tag(takes_context=True)
def practice_nav(context) -> str:
    membership = context["current_membership"]
    match = getattr(context.get("request"), "resolver_match", None)
    can_manage = membership.can_manage
    try:
        is_professional = membership.professional is not None
    except ObjectDoesNotExist:
        is_professional = False
    count = 0
    if can_manage or is_professional:  # the menu that shows the badge
        # A view may give its own count (the log: one read for the alert and the badge).
        count = context.get("failed_notification_count") or 0
        if callable(count):
            count = count()
    key = NavKey(
        url_name=getattr(match, "url_name", None),
        app_name=getattr(match, "app_name", None),
        can_manage=can_manage,
        is_reception=membership.role == "reception",
        is_professional=is_professional,
        failed_notification_count=count or 0,
        language=get_language(),
        script_prefix=get_script_prefix(),
        urlconf=get_urlconf(),
        root_urlconf=settings.ROOT_URLCONF,
    )
    return mark_safe(_render(key))  # noqa: S308 (the template's own escaped output)

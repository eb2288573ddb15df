"""`{% practice_nav %}`: the practice section of the navigation bar, drawn once per process
for each combination of what it shows (citas.core.fragments.render_once).

The menu (some twenty links, the active one marked, the failed-notifications badge) was ~220
template nodes on every staff page. Its HTML depends only on the page (URL name and app), the
member's role flags and the badge's number, the values given to the template below.
"""

from django import template
from django.core.exceptions import ObjectDoesNotExist

from citas.core.fragments import render_once

register = template.Library()


@register.simple_tag(takes_context=True)
def practice_nav(context):
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
    return render_once(
        "partials/practice_nav.html",
        url_name=getattr(match, "url_name", None),
        app_name=getattr(match, "app_name", None),
        can_manage=can_manage,
        is_reception=membership.role == "reception",
        is_professional=is_professional,
        failed_notification_count=count or 0,
    )

"""An appointment's status and attendance badges, as tags: the staff list draws two per row,
and an included template per badge cost more than the rest of the row."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from citas.core.templatetags.icons import icon

register = template.Library()

STATUS_CLASSES = {
    "pending": "text-bg-warning",
    "confirmed": "text-bg-success",
    "cancelled": "text-bg-secondary",
    "no_show": "text-bg-danger",
}
OTHER_STATUS_CLASS = "text-bg-light border"  # completed


@register.simple_tag
def status_badge(status: str, label: str):
    return format_html(
        '<span class="badge {}">{}</span>', STATUS_CLASSES.get(status, OTHER_STATUS_CLASS), label
    )


@register.simple_tag
def attendance_badge(appointment, asks_confirmation: bool):
    """Whether the client said they will come, for an appointment still to happen; nothing
    when the practice does not ask (`asks_confirmation`) and the client has not answered."""
    if appointment.status not in ("pending", "confirmed"):
        return ""
    if appointment.client_confirmed_at:
        return format_html(
            '<span class="badge text-bg-success" data-attendance="confirmed">{} {}</span>',
            icon("person-check"),
            _("Client will come"),
        )
    if asks_confirmation:
        return format_html(
            '<span class="badge text-bg-light border" data-attendance="unconfirmed">{} {}</span>',
            icon("hourglass-split"),
            _("Not confirmed by the client yet"),
        )
    return ""

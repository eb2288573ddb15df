"""Turn a Notification row into the words, links and attachments its recipient gets."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from email.headerregistry import Address
from email.utils import parseaddr
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import Context, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from . import ics
from .models import Channel, NotificationKind
from .sms_dates import short_dates

# "lunes, 30 de noviembre de 2026" — Django's month and day names, in our own order
# (Basque puts the year first and the month in the genitive: "2026ko azaroaren 30a").
DAY_FORMATS = {
    "es": r"l, j \d\e F \d\e Y",
    "en": "l, j F Y",
    "ca": r"l, j E \d\e Y",
    "gl": r"l, j \d\e F \d\e Y",
    "eu": r"Y\k\o F\r\e\n j\a, l",
}
WHEN_FORMATS = {language: f"{day}, H:i" for language, day in DAY_FORMATS.items()}
TIME_FORMAT = "H:i"
ICS_KINDS = {
    NotificationKind.CONFIRMED: "REQUEST",
    NotificationKind.RESCHEDULED: "REQUEST",
    NotificationKind.CANCELLED: "CANCEL",
}


class RenderError(Exception):
    """The message cannot be written (missing data or template): retrying won't help."""


@dataclass
class Rendered:
    subject: str
    text: str
    html: str = ""
    from_email: str = ""
    attachments: list[tuple[str, str, str]] = field(default_factory=list)


def site_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def manage_url(token: str) -> str:
    return site_url(f"/cita/{token}/")


def staff_appointment_url(appointment_id: int) -> str:
    return site_url(f"/app/citas/{appointment_id}/")


def format_when(value: datetime, tz: str, language: str) -> str:
    with translation.override(language):
        return date_format(
            value.astimezone(ZoneInfo(tz)), WHEN_FORMATS.get(language, "DATETIME_FORMAT")
        )


def appointment_snapshot(appointment, *, sequence: int, **extra) -> dict:
    """Everything a message about `appointment` needs, as it is now."""
    practice = appointment.practice
    return {
        "appointment_id": appointment.pk,
        "token": appointment.token,
        "start": appointment.start.isoformat(),
        "end": appointment.end.isoformat(),
        "tz": practice.timezone,
        "service": appointment.service.name,
        "professional": appointment.professional.display_name,
        "client": appointment.client.full_name,
        "practice": practice.name,
        "address": practice.address,
        "phone": practice.phone,
        "practice_email": practice.email,
        "status": appointment.status,
        "sequence": sequence,
        **extra,
    }


def from_email_for(practice_name: str) -> str:
    """ "Practice Name <our sending address>": the practice's name, our verified mailbox."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "citas@localhost"
    # Unencoded (quoted when needed): Django encodes non-ASCII names when it sends.
    return str(Address(display_name=practice_name, addr_spec=address))


def _appointment_context(notification) -> dict:
    payload = notification.payload
    try:
        start = datetime.fromisoformat(payload["start"])
        end = datetime.fromisoformat(payload["end"])
        tz = payload["tz"]
        context = {
            "practice": payload["practice"],
            "service": payload["service"],
            "professional": payload["professional"],
            "client": payload["client"],
            "address": payload.get("address", ""),
            "phone": payload.get("phone", ""),
            "start": start,
            "end": end,
            "when": format_when(start, tz, notification.language),
            "manage_url": manage_url(payload["token"]),
            "ics_url": site_url(reverse("notifications:appointment_ics", args=[payload["token"]])),
            "staff_url": staff_appointment_url(payload["appointment_id"]),
            "cancelled_by_client": payload.get("cancelled_by") == "client",
            "rejected": payload.get("rejected", False),
            "reason": payload.get("reason", ""),
            "hours_before": payload.get("hours_before"),
            "privacy_url": site_url(
                reverse("privacy_public:notice", args=[notification.practice.slug])
            ),
        }
        if payload.get("series"):
            context["series"] = [
                {
                    "start": datetime.fromisoformat(row["start"]),
                    "end": datetime.fromisoformat(row["end"]),
                    "appointment_id": row["appointment_id"],
                    "sequence": row.get("sequence", payload.get("sequence", 0)),
                    "when": format_when(
                        datetime.fromisoformat(row["start"]), tz, notification.language
                    ),
                    "previous_when": format_when(
                        datetime.fromisoformat(row["previous_start"]), tz, notification.language
                    )
                    if row.get("previous_start")
                    else "",
                }
                for row in payload["series"]
            ]
        if payload.get("previous_start"):
            previous = datetime.fromisoformat(payload["previous_start"])
            context["previous_when"] = format_when(previous, tz, notification.language)
        if notification.kind in (
            NotificationKind.REMINDER,
            NotificationKind.CONFIRMATION_REQUEST,
        ):
            context["unsubscribe_url"] = site_url(
                reverse("notifications:unsubscribe", args=[payload["token"]])
            )
            context["attend_url"] = site_url(reverse("manage:attend", args=[payload["token"]]))
            context["decline_url"] = site_url(reverse("manage:decline", args=[payload["token"]]))
        if payload.get("check_url"):
            context["check_url"] = payload["check_url"]
            until = datetime.fromisoformat(payload["until"]).astimezone(ZoneInfo(tz))
            context["until"] = date_format(until, TIME_FORMAT)
        if payload.get("release_at"):
            release_at = datetime.fromisoformat(payload["release_at"])
            context["release_when"] = format_when(release_at, tz, notification.language)
    except KeyError as missing:
        raise RenderError(f"missing template variable {missing}") from missing
    except (TypeError, ValueError) as error:
        raise RenderError(f"bad template data: {error}") from error
    return context


def _agenda_context(notification) -> dict:
    from citas.booking.models import Appointment

    payload = notification.payload
    try:
        day = date.fromisoformat(payload["date"])
        tz = ZoneInfo(payload["tz"])
        professional_id = payload["professional_id"]
    except (KeyError, TypeError, ValueError) as error:
        raise RenderError(f"missing template variable {error}") from error
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day, time.max, tzinfo=tz)
    appointments = (
        Appointment.objects.active()
        .filter(professional_id=professional_id, start__range=(start, end))
        .select_related("service", "client")
        .order_by("start")
    )
    with translation.override(notification.language):
        day_label = date_format(day, DAY_FORMATS.get(notification.language, "DATE_FORMAT"))
    return {
        "practice": payload.get("practice", ""),
        "professional": payload.get("professional", ""),
        "day": day_label,
        "rows": [
            {
                "time": date_format(a.start.astimezone(tz), TIME_FORMAT),
                "service": a.service.name,
                "client": a.client.full_name,
                "pending": a.status == "pending",
            }
            for a in appointments
        ],
        "agenda_url": site_url("/app/"),
    }


def _attachments(notification, context: dict) -> list[tuple[str, str, str]]:
    method = ICS_KINDS.get(notification.kind)
    if method is None:
        return []
    payload = notification.payload
    name, email = (
        payload["practice"],
        payload.get("practice_email") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
    )
    occurrences = context.get("series") or [
        {
            "appointment_id": payload["appointment_id"],
            "start": context["start"],
            "end": context["end"],
        }
    ]
    events = [
        ics.EventData(
            appointment_id=occurrence["appointment_id"],
            start=occurrence["start"],
            end=occurrence["end"],
            tz=payload["tz"],
            summary=f"{payload['service']} · {payload['practice']}",
            location=payload.get("address", ""),
            organizer_name=name,
            organizer_email=email,
            description=context["manage_url"],
            sequence=occurrence.get("sequence", payload.get("sequence", 0)),
            cancelled=method == "CANCEL",
        )
        for occurrence in occurrences
    ]
    if len(events) > 1:
        # Several occurrences: cancelled ones go out as one CANCEL; booked or moved ones as
        # one PUBLISH that calendar programs import (or update, by UID and SEQUENCE).
        series_method = "CANCEL" if method == "CANCEL" else "PUBLISH"
        content = ics.series_ics(events, method=series_method, now=notification.due_at).decode()
        return [("citas.ics", content, f"text/calendar; method={series_method}")]
    content = ics.appointment_ics(events[0], now=notification.due_at).decode()
    return [("cita.ics", content, f"text/calendar; method={method}")]


def render_text(name: str, context: dict) -> str:
    """A plain-text template (a subject, a text body, an SMS): not HTML, so not HTML-escaped
    ("O'Brien <x>" stays as it is); the HTML parts keep Django's escaping."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _waitlist_context(notification) -> dict:
    payload = notification.payload
    try:
        tz, language = payload["tz"], notification.language
        offer_url = reverse(
            "public_booking:waitlist_offer", args=[payload["practice_slug"], payload["token"]]
        )
        leave_url = reverse(
            "public_booking:waitlist_leave", args=[payload["practice_slug"], payload["token"]]
        )
        return {
            "practice": payload["practice"],
            "service": payload["service"],
            "professional": payload["professional"],
            "client": payload["client"],
            "address": payload.get("address", ""),
            "phone": payload.get("phone", ""),
            "when": format_when(datetime.fromisoformat(payload["start"]), tz, language),
            "expires": format_when(datetime.fromisoformat(payload["expires_at"]), tz, language),
            "offer_url": site_url(offer_url),
            "leave_url": site_url(leave_url),
        }
    except KeyError as missing:
        raise RenderError(f"missing template variable {missing}") from missing
    except (TypeError, ValueError) as error:
        raise RenderError(f"bad template data: {error}") from error


def _sms_context(notification, context: dict) -> dict:
    """A change to several occurrences of a series names every date, in few characters."""
    sms = context | {"kind": notification.kind}
    series = context.get("series") or []
    if len(series) > 1:
        sms["series_count"] = len(series)
        sms["series_dates"] = short_dates(
            [row["start"] for row in series], notification.payload["tz"]
        )
    return sms


def render_notification(notification) -> Rendered:
    """Subject, text, HTML and attachments in the recipient's language."""
    base = f"emails/appointment-{notification.kind.replace('_', '-')}"
    if notification.kind == NotificationKind.DAILY_AGENDA:
        context = _agenda_context(notification)
    elif notification.kind == NotificationKind.WEBHOOK_DISABLED:
        context = notification.payload | {
            "webhooks_url": site_url(reverse("notifications:webhooks"))
        }
        base = "webhooks/emails/disabled"
    elif notification.kind == NotificationKind.FAILURES_DIGEST:
        context = notification.payload | {
            "log_url": site_url(reverse("notifications:log") + "?status=failed")
        }
        base = "notifications/emails/failures-digest"
    elif notification.kind == NotificationKind.WAITLIST_OFFER:
        context = _waitlist_context(notification)
        base = "emails/waitlist-offer"
    else:
        context = _appointment_context(notification)
    try:
        with translation.override(notification.language):
            if notification.channel == Channel.SMS:
                text = render_text("notifications/sms.txt", _sms_context(notification, context))
                return Rendered(subject="", text=" ".join(text.split()))
            subject = " ".join(render_text(f"{base}-subject.txt", context).split())
            text = render_text(f"{base}-body.txt", context)
            html = render_to_string(f"{base}-body.html", context)
    except (TemplateDoesNotExist, TemplateSyntaxError) as error:
        raise RenderError(f"template problem: {error}") from error
    return Rendered(
        subject=subject,
        text=text,
        html=html,
        from_email=from_email_for(context["practice"] or "Gestor de Citas"),
        attachments=_attachments(notification, context),
    )

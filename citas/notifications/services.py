"""Writes: the notification rows an appointment change produces, resends, feeds, settings."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import IntegerField, Max
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from citas.core.timezones import as_utc, at_local_time
from citas.scheduling.selectors import policy_for

from .models import (
    CANCELLED_BECAUSE_APPOINTMENT_CHANGED,
    CANCELLED_BECAUSE_CLIENT_UNSUBSCRIBED,
    CalendarFeed,
    Channel,
    ClientContactPreference,
    Notification,
    NotificationKind,
    NotificationSettings,
    NotificationStatus,
    new_feed_token,
)
from .rendering import appointment_snapshot
from .webhooks import webhook_deliveries_queue

CLIENT_KIND_FOR_EVENT = {
    "confirmed": NotificationKind.CONFIRMED,
    "rescheduled": NotificationKind.RESCHEDULED,
    "cancelled": NotificationKind.CANCELLED,
    "rejected": NotificationKind.CANCELLED,
}
# Events that change the calendar event: the ICS sequence goes up.
SEQUENCED_EVENTS = {"created", "confirmed", "rescheduled", "cancelled", "rejected"}
SMS_KINDS = {
    NotificationKind.CONFIRMED,
    NotificationKind.RESCHEDULED,
    NotificationKind.CANCELLED,
    NotificationKind.REMINDER,
    NotificationKind.CONFIRMATION_REQUEST,
}
SENT_WITH_THE_SERIES = "sent with the series"
# Messages queued ahead of the appointment: moved or cancelled with it.
AHEAD_KINDS = (NotificationKind.REMINDER, NotificationKind.CONFIRMATION_REQUEST)


def settings_for(practice) -> NotificationSettings:
    """The practice's notification settings, created with the defaults the first time."""
    found, _created = NotificationSettings.objects.get_or_create(practice=practice)
    return found


def preference_for(client) -> ClientContactPreference | None:
    return ClientContactPreference.objects.filter(client=client).first()


def client_language(client) -> str:
    user = client.user
    return (user.language if user and user.language else None) or settings.LANGUAGE_CODE


def _next_sequence(appointment) -> int:
    latest = Notification.objects.filter(appointment=appointment).aggregate(
        top=Max(Cast(KT("payload__sequence"), IntegerField()))
    )["top"]
    return 0 if latest is None else int(latest) + 1


def _practice_recipients(appointment) -> list[tuple[str, str]]:
    """(email, language) for the practice mailbox and the professional's own account."""
    recipients = {}
    if appointment.practice.email:
        recipients[appointment.practice.email.lower()] = settings.LANGUAGE_CODE
    membership = appointment.professional.membership
    if membership is not None and membership.user.email:
        recipients.setdefault(membership.user.email.lower(), membership.user.language or "es")
    return list(recipients.items())


def _client_rows(appointment, kind, *, now, payload, preference, sms_on) -> list[Notification]:
    client = appointment.client
    rows = []
    language = client_language(client)
    if client.email:
        rows.append(
            Notification(
                practice=appointment.practice,
                appointment=appointment,
                professional=appointment.professional,
                kind=kind,
                channel=Channel.EMAIL,
                recipient=client.email,
                language=language,
                due_at=now,
                payload=payload,
            )
        )
    if sms_on and kind in SMS_KINDS and client.phone and preference and preference.sms_consent:
        rows.append(
            Notification(
                practice=appointment.practice,
                appointment=appointment,
                professional=appointment.professional,
                kind=kind,
                channel=Channel.SMS,
                recipient=client.phone,
                language=language,
                due_at=now,
                payload=payload,
            )
        )
    return rows


def _address_check_row(appointment, *, now) -> Notification:
    from citas.booking.email_check import email_check_url

    payload = appointment_snapshot(appointment, sequence=0)
    payload["check_url"] = email_check_url(appointment)
    payload["until"] = appointment.unverified_until.isoformat()
    return Notification(
        practice=appointment.practice,
        appointment=appointment,
        professional=appointment.professional,
        kind=NotificationKind.ADDRESS_CHECK,
        channel=Channel.EMAIL,
        recipient=appointment.client.email,
        language=client_language(appointment.client),
        due_at=now,
        payload=payload,
    )


def _reminder_rows(appointment, *, now, payload, preference, sms_on, hours) -> list[Notification]:
    if preference and preference.reminders_unsubscribed_at:
        return []
    rows = []
    for offset in hours:
        due_at = appointment.start - timedelta(hours=offset)
        if due_at <= now:
            continue  # its moment has passed: a late "reminder" would only confuse
        rows += _client_rows(
            appointment,
            NotificationKind.REMINDER,
            now=due_at,
            payload=payload | {"hours_before": offset},
            preference=preference,
            sms_on=sms_on,
        )
    return rows


def _confirmation_request_rows(appointment, *, now, payload, preference, sms_on):
    """The "will you come?" message, when the practice asks for it (see booking.attendance)."""
    policy = policy_for(appointment.practice)
    hours = policy.confirmation_request_hours
    if not hours or appointment.client_confirmed_at is not None:
        return []
    if preference and preference.reminders_unsubscribed_at:
        return []
    due_at = appointment.start - timedelta(hours=hours)
    if due_at <= now:
        return []
    extra = {"hours_before": hours}
    if policy.release_unconfirmed_hours:
        release_at = appointment.start - timedelta(hours=policy.release_unconfirmed_hours)
        extra["release_at"] = release_at.isoformat()
    return _client_rows(
        appointment,
        NotificationKind.CONFIRMATION_REQUEST,
        now=due_at,
        payload=payload | extra,
        preference=preference,
        sms_on=sms_on,
    )


def _cancel_pending_reminders(appointment, kinds=AHEAD_KINDS) -> int:
    return Notification.objects.filter(
        appointment=appointment,
        kind__in=kinds,
        status=NotificationStatus.PENDING,
    ).update(status=NotificationStatus.CANCELLED, last_error=CANCELLED_BECAUSE_APPOINTMENT_CHANGED)


def confirmation_requests_cancel(*, appointment) -> int:
    """The client has answered: pending requests to confirm are moot."""
    return _cancel_pending_reminders(appointment, kinds=[NotificationKind.CONFIRMATION_REQUEST])


def series_booked_notify(*, appointments) -> None:
    """One message for a series the staff booked: the first occurrence's confirmation lists
    every occurrence (and carries them all in its .ics); the others' confirmations are
    dropped in the same transaction, before anything is sent. Reminders stay per occurrence."""
    series_notify_once(appointments=appointments, kind=NotificationKind.CONFIRMED)


def series_notify_once(*, appointments, kind: str) -> None:
    """One message for a change to several occurrences of a series (booked, cancelled or
    moved together): the first occurrence's pending `kind` messages list every occurrence,
    each with its own calendar sequence (and its previous time for a move), and its .ics
    carries them all; the others' are dropped in the same transaction, before anything is
    sent. Reminders stay per occurrence."""
    if len(appointments) < 2:
        return
    first, *others = sorted(appointments, key=lambda appointment: appointment.start)
    pending = Notification.objects.filter(kind=kind, status=NotificationStatus.PENDING)
    emails = pending.filter(appointment__in=appointments, channel=Channel.EMAIL)
    payloads = dict(emails.values_list("appointment_id", "payload"))
    pending.filter(appointment__in=others).update(
        status=NotificationStatus.CANCELLED, last_error=SENT_WITH_THE_SERIES
    )
    listed = []
    for appointment in [first, *others]:
        payload = payloads.get(appointment.pk, {})
        row = {
            "appointment_id": appointment.pk,
            "start": appointment.start.isoformat(),
            "end": appointment.end.isoformat(),
            "sequence": payload.get("sequence", 0),
        }
        if payload.get("previous_start"):
            row["previous_start"] = payload["previous_start"]
        listed.append(row)
    for row in pending.filter(appointment=first):
        row.payload = row.payload | {"series": listed}
        row.save(update_fields=["payload"])


def on_appointment_event(
    *,
    appointment,
    kind: str,
    by_client: bool,
    previous_start=None,
    reason: str = "",
    now: datetime | None = None,
) -> list[Notification]:
    """Called by citas.booking.services inside the transaction that changed `appointment`.

    kind: created | confirmed | rejected | rescheduled | cancelled | completed | no_show.
    Writes the Notification rows for the change (and moves/cancels pending reminders).
    """
    now = now or timezone.now()
    if appointment.unverified_until is not None:
        # Held until the client confirms their address (booking.email_check): they get the
        # link to do so and nothing else; the practice, its webhooks and calendars hear of the
        # booking only once it is confirmed (as "created" then), and never if it lapses.
        if kind != "created" or not appointment.client.email:
            return []
        rows = Notification.objects.bulk_create([_address_check_row(appointment, now=now)])
        transaction.on_commit(_enqueue)
        return rows
    # Webhooks report every change, past appointments included (completed, no-show).
    deliveries = webhook_deliveries_queue(appointment=appointment, kind=kind, now=now)
    if deliveries:
        transaction.on_commit(_enqueue)
    if kind not in SEQUENCED_EVENTS:
        return deliveries
    if appointment.start <= now:
        # A past appointment gets no messages; whatever was still queued for it is moot.
        _cancel_pending_reminders(appointment)
        return deliveries
    practice = appointment.practice
    options = settings_for(practice)
    preference = preference_for(appointment.client)
    sequence = _next_sequence(appointment)
    extra = {"reason": reason}
    if previous_start is not None:
        extra["previous_start"] = previous_start.isoformat()
    if kind in ("cancelled", "rejected"):
        extra["cancelled_by"] = "client" if by_client else "practice"
        extra["rejected"] = kind == "rejected"
    payload = appointment_snapshot(appointment, sequence=sequence, **extra)
    pending = appointment.status == "pending"

    if kind == "created":
        client_kind = NotificationKind.REQUEST_RECEIVED if pending else NotificationKind.CONFIRMED
    else:
        client_kind = CLIENT_KIND_FOR_EVENT[kind]
    rows = _client_rows(
        appointment,
        client_kind,
        now=now,
        payload=payload,
        preference=preference,
        sms_on=options.sms_enabled,
    )
    if kind in ("rescheduled", "cancelled", "rejected"):
        _cancel_pending_reminders(appointment)
    if appointment.status == "confirmed" and kind not in ("cancelled", "rejected"):
        rows += _reminder_rows(
            appointment,
            now=now,
            payload=payload,
            preference=preference,
            sms_on=options.sms_enabled,
            hours=options.reminder_hours,
        )
        rows += _confirmation_request_rows(
            appointment,
            now=now,
            payload=payload,
            preference=preference,
            sms_on=options.sms_enabled,
        )

    practice_kind = None
    if kind == "created" and by_client:
        practice_kind = (
            NotificationKind.PRACTICE_NEW_REQUEST
            if pending
            else NotificationKind.PRACTICE_NEW_BOOKING
        )
    elif kind == "cancelled" and by_client:
        practice_kind = NotificationKind.PRACTICE_CANCELLED_BY_CLIENT
    elif kind == "rescheduled" and by_client:
        practice_kind = NotificationKind.PRACTICE_RESCHEDULED_BY_CLIENT
    if practice_kind:
        for email, language in _practice_recipients(appointment):
            rows.append(
                Notification(
                    practice=practice,
                    appointment=appointment,
                    professional=appointment.professional,
                    kind=practice_kind,
                    recipient=email,
                    language=language,
                    due_at=now,
                    payload=payload,
                )
            )

    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.due_at <= now for row in rows):
        transaction.on_commit(_enqueue)
    return deliveries + created


def new_link_notify(*, appointment, now: datetime | None = None) -> Notification | None:
    """Email the client the appointment's new manage link (staff renewed it because the old one
    was forwarded or leaked). The sequence stays: the calendar event itself did not change.
    None when the client has no email address."""
    client = appointment.client
    if not client.email:
        return None
    sequence = max(_next_sequence(appointment) - 1, 0)
    row = Notification.objects.create(
        practice=appointment.practice,
        appointment=appointment,
        professional=appointment.professional,
        kind=NotificationKind.NEW_LINK,
        channel=Channel.EMAIL,
        recipient=client.email,
        language=client_language(client),
        due_at=now or timezone.now(),
        payload=appointment_snapshot(appointment, sequence=sequence),
    )
    transaction.on_commit(_enqueue)
    return row


def notification_resend(*, notification, by, now: datetime | None = None) -> Notification:
    """A fresh pending copy, due now. The original row is history and stays as it is (only
    marked as resent). A webhook goes out with the same body (and id), so that receivers can
    drop a duplicate."""
    now = now or timezone.now()
    Notification.objects.filter(pk=notification.pk, resent_at__isnull=True).update(resent_at=now)
    if notification.channel == Channel.WEBHOOK:
        payload = notification.payload
    else:
        payload = notification.payload | {"resent_from": notification.pk, "resent_by": by.pk}
    copy = Notification.objects.create(
        practice=notification.practice,
        appointment=notification.appointment,
        professional=notification.professional,
        kind=notification.kind,
        channel=notification.channel,
        recipient=notification.recipient,
        language=notification.language,
        due_at=now,
        payload=payload,
        webhook_id=notification.webhook_id,
    )
    transaction.on_commit(_enqueue)
    return copy


def _enqueue() -> None:
    from .tasks import enqueue_send_now

    enqueue_send_now()


def calendar_feed_for(professional) -> CalendarFeed:
    feed, _created = CalendarFeed.objects.get_or_create(professional=professional)
    return feed


def calendar_feed_regenerate(*, professional) -> CalendarFeed:
    """A new secret URL; the old one stops working at once."""
    feed = calendar_feed_for(professional)
    feed.token = new_feed_token()
    feed.save(update_fields=["token", "updated_at"])
    return feed


def contact_preference_set_sms_consent(*, client, consent: bool) -> ClientContactPreference:
    """Record whether the client agrees to text messages at the phone on their record."""
    preference, created = ClientContactPreference.objects.get_or_create(
        client=client, defaults={"sms_consent": consent}
    )
    if not created and preference.sms_consent != consent:
        preference.sms_consent = consent
        preference.save(update_fields=["sms_consent", "updated_at"])
    return preference


def reminders_unsubscribe(*, client, now: datetime | None = None) -> ClientContactPreference:
    """No more reminders for this client record; pending ones are cancelled."""
    now = now or timezone.now()
    with transaction.atomic():
        preference, _created = ClientContactPreference.objects.get_or_create(client=client)
        if preference.reminders_unsubscribed_at is None:
            preference.reminders_unsubscribed_at = now
            preference.save(update_fields=["reminders_unsubscribed_at", "updated_at"])
        Notification.objects.filter(
            appointment__client=client,
            kind__in=AHEAD_KINDS,
            status=NotificationStatus.PENDING,
        ).update(
            status=NotificationStatus.CANCELLED, last_error=CANCELLED_BECAUSE_CLIENT_UNSUBSCRIBED
        )
    return preference


def daily_agendas_schedule(*, now: datetime | None = None) -> None:
    """Queue today's agenda email for each professional of the practices whose chosen hour
    (in their own time zone) is now. Safe to run every minute: the row is unique per day.

    "The hour" is one instant per local day and the hour after it: an hour the clocks skip
    starts at the change (02:00 → 03:00), a repeated one at its first occurrence, so the
    agenda goes out exactly once on every day."""
    from zoneinfo import ZoneInfo

    from citas.practices.models import Professional

    now = now or timezone.now()
    rows = []
    options = NotificationSettings.objects.filter(daily_agenda_hour__isnull=False).select_related(
        "practice"
    )
    for option in options:
        practice = option.practice
        tz = ZoneInfo(practice.timezone)
        local = now.astimezone(tz)
        due_at = at_local_time(local.date(), time(option.daily_agenda_hour), tz)
        if not due_at <= as_utc(now) < due_at + timedelta(hours=1):
            continue
        professionals = Professional.objects.filter(
            practice=practice, is_active=True, membership__isnull=False
        ).select_related("membership__user")
        for professional in professionals:
            user = professional.membership.user
            if not user.email:
                continue
            rows.append(
                Notification(
                    practice=practice,
                    professional=professional,
                    kind=NotificationKind.DAILY_AGENDA,
                    recipient=user.email,
                    language=user.language or settings.LANGUAGE_CODE,
                    due_at=due_at,
                    payload={
                        "date": local.date().isoformat(),
                        "tz": practice.timezone,
                        "professional_id": professional.pk,
                        "professional": professional.display_name,
                        "practice": practice.name,
                    },
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def notifications_cancel_pending(*, practice, note: str) -> int:
    """Cancel every message of the practice still waiting to go out (the demo data's made-up
    addresses); the rows stay in the log with `note`."""
    return Notification.objects.filter(practice=practice, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.CANCELLED, last_error=note
    )

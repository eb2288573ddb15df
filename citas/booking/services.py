"""Writes for clients and appointments: booking, rescheduling and every status change.

Each change runs in one transaction that re-checks availability, saves, records an
AppointmentEvent and lets the notifications app write its rows. SQLite serialises writers
with BEGIN IMMEDIATE (see settings); on PostgreSQL the `appointment_no_overlap` exclusion
constraint is the final guard and a lost race surfaces as SlotTaken.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from citas.calendars.services import push_on_commit
from citas.catalog.models import Service
from citas.core.errors import ServiceError
from citas.core.timezones import as_utc
from citas.notifications.services import on_appointment_event
from citas.practices.models import Practice, Professional
from citas.scheduling.selectors import policy_for
from citas.scheduling.services import schedule_version_bump

from .agenda_cache import agenda_changed
from .locking import guard_overlap, lock_online_bookings, lock_professionals
from .models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChannel,
    AppointmentEvent,
    AppointmentEventKind,
    AppointmentSeries,
    AppointmentStatus,
    Client,
)
from .no_shows import online_booking_needs_approval
from .rules import SlotTaken as SlotTaken  # the lost race, raised here for every caller
from .rules import (
    check_bookable,
    check_booking_window,
    check_client_window,
    check_free_slot,
    check_length,
    check_online_bookings_per_hour,
    check_overlap,
    check_started,
    slot_for,
)
from .selectors import upcoming_active_count

MAX_NOTES_LENGTH = 1000
MAX_REASON_LENGTH = 500


# --- clients ---------------------------------------------------------------------------------


def client_for_booking(
    *,
    practice: Practice,
    full_name: str,
    email: str,
    phone: str = "",
    user=None,
    privacy_accepted: bool = False,
) -> Client:
    """The practice's record for this person (matched by email), created or completed."""
    full_name, email, phone = full_name.strip(), email.strip(), phone.strip()
    if not full_name:
        raise ServiceError(_("Enter your name."), field="full_name")
    if len(full_name) > Client._meta.get_field("full_name").max_length:
        raise ServiceError(_("The name is too long."), field="full_name")
    if len(phone) > Client._meta.get_field("phone").max_length:
        raise ServiceError(_("The phone number is too long."), field="phone")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ServiceError(_("Enter a valid email address."), field="email") from exc

    client = Client.objects.filter(practice=practice, email__iexact=email).order_by("pk").first()
    if client is None:
        client = Client(practice=practice, full_name=full_name, email=email)
    client.full_name = client.full_name or full_name
    client.phone = client.phone or phone
    if user is not None and client.user_id is None:
        client.user = user
    if privacy_accepted:
        client.privacy_accepted_at = timezone.now()
    client.save()
    return client


def client_merge(*, practice: Practice, keep: Client, merge: Client, by) -> Client:
    """Fold `merge` into `keep`: its appointments move over and it is deleted."""
    if keep.practice_id != practice.pk or merge.practice_id != practice.pk:
        raise ServiceError(_("Both clients must belong to this practice."))
    if keep.pk == merge.pk:
        raise ServiceError(_("Choose two different clients."), field="merge")
    with transaction.atomic():
        # A bulk update sends no signal: the moved appointments now show keep's name.
        agenda_changed(practice.pk)
        Appointment.objects.filter(client=merge).update(client=keep)
        AppointmentSeries.objects.filter(client=merge).update(client=keep)
        for field in ("full_name", "email", "phone", "notes", "user", "privacy_accepted_at"):
            if not getattr(keep, field):
                setattr(keep, field, getattr(merge, field))
        merge.delete()
        keep.save()
    return keep


def _record(
    appointment, *, kind, by, by_client, previous_start=None, reason="", notify_as=None, **data
):
    """The event row, its messages (as the event `notify_as`, by default `kind`), the calendar
    push and the schedule version: every writing transaction of this module ends here."""
    if previous_start is not None:
        data["previous_start"] = previous_start.isoformat()
    if reason:
        data["reason"] = reason
    AppointmentEvent.objects.create(
        appointment=appointment,
        kind=kind,
        actor=by if by is not None and by.is_authenticated else None,
        by_client=by_client,
        data=data,
    )
    on_appointment_event(
        appointment=appointment,
        kind=notify_as or kind,
        by_client=by_client,
        previous_start=previous_start,
        reason=reason,
    )
    push_on_commit(appointment)
    # Last in every writing transaction of this module (see schedule_version_bump).
    schedule_version_bump(practice_id=appointment.practice_id)


# --- booking and rescheduling ----------------------------------------------------------------


def check_upcoming_cap(*, practice: Practice, email: str, most: int, now: datetime) -> None:
    """Clients book online at most `most` upcoming appointments per practice (its booking
    rules): nobody can hold a practice's free time with one address."""
    if email and upcoming_active_count(practice=practice, email=email, now=now) >= most:
        raise ServiceError(
            ngettext(
                "You already have %(count)d upcoming appointment at this practice, the most "
                "you can book online. Cancel it or call the practice to book another.",
                "You already have %(count)d upcoming appointments at this practice, the most "
                "you can book online. Cancel one or call the practice to book another.",
                most,
            )
            % {"count": most},
            code="too_many_upcoming",
        )


def appointment_book(
    *,
    practice: Practice,
    professional: Professional,
    service: Service,
    client: Client,
    start: datetime,
    by=None,
    by_client: bool,
    channel: str | None = None,
    notes: str = "",
    override_policy: bool = False,
    now: datetime | None = None,
    series=None,
    email_check: bool = False,
) -> Appointment:
    """`channel` says where the booking came from; by default the booking page when the client
    books, the staff otherwise (the API passes its own). With `email_check` the time is held
    until the client confirms their address (see email_check.py)."""
    now = now or timezone.now()
    start = as_utc(start)
    check_booking_window(start, now)
    if channel is None:
        channel = AppointmentChannel.PUBLIC if by_client else AppointmentChannel.STAFF
    if by_client and override_policy:
        raise ServiceError(_("Only the practice can book outside the usual rules."))
    if client.practice_id != practice.pk:
        raise ServiceError(_("Choose a client of this practice."), field="client")
    if len(notes) > MAX_NOTES_LENGTH:
        raise ServiceError(
            _("The note can have at most %(max)d characters.") % {"max": MAX_NOTES_LENGTH},
            field="notes",
        )
    check_bookable(practice=practice, professional=professional, service=service)
    slot = slot_for(service, start)

    def save() -> Appointment:
        policy = policy_for(practice)
        if by_client:
            lock_online_bookings(practice_id=practice.pk)
            check_online_bookings_per_hour(
                practice=practice, most=policy.max_online_bookings_hour, now=now
            )
            check_upcoming_cap(
                practice=practice,
                email=client.email,
                most=policy.max_upcoming_per_client,
                now=now,
            )
        lock_professionals(professional)
        release_lapsed_holds(professional=professional, slot=slot, now=now)
        if override_policy:
            check_overlap(professional=professional, slot=slot, exclude_pk=None)
        else:
            check_free_slot(
                practice=practice,
                professional=professional,
                service=service,
                start=start,
                now=now,
                exclude_pk=None,
            )
        pending = email_check or (
            by_client
            and (
                policy.approval_required
                or online_booking_needs_approval(practice=practice, policy=policy, client=client)
            )
        )
        appointment = Appointment.objects.create(
            practice=practice,
            professional=professional,
            service=service,
            client=client,
            start=slot.start,
            end=slot.end,
            blocked_start=slot.blocked_start,
            blocked_end=slot.blocked_end,
            status=AppointmentStatus.PENDING if pending else AppointmentStatus.CONFIRMED,
            notes=notes,
            price=service.price,
            channel=channel,
            created_by=by if by is not None and by.is_authenticated else None,
            series=series,
            unverified_until=(
                now + timedelta(minutes=policy.email_check_minutes) if email_check else None
            ),
        )
        extra = {"override": True} if override_policy else {}
        _record(appointment, kind=AppointmentEventKind.CREATED, by=by, by_client=by_client, **extra)
        return appointment

    return guard_overlap(save)


def _locked(appointment: Appointment) -> Appointment:
    """The appointment's row, locked until the transaction ends (PostgreSQL)."""
    return (
        Appointment.objects.select_for_update()
        .select_related("practice", "service", "professional", "client")
        .get(pk=appointment.pk)
    )


def _offer_freed(*, practice, professional, start, end, now) -> None:
    # Imported here: the waiting list books through this module.
    from .waitlist import offer_freed_slot_on_commit

    offer_freed_slot_on_commit(
        practice=practice, professional=professional, start=start, end=end, now=now
    )


def _require_status(appointment: Appointment, statuses, message) -> None:
    if appointment.status not in statuses:
        raise ServiceError(message)


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    by=None,
    by_client: bool,
    professional: Professional | None = None,
    end: datetime | None = None,
    override_policy: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Move the appointment to `start` (and `professional`). It keeps its length unless the
    staff give a new `end` (resizing in the agenda)."""
    now = now or timezone.now()
    start, end = as_utc(start), None if end is None else as_utc(end)
    check_booking_window(start, now)
    if end is not None:
        check_booking_window(end, now)
    if by_client and override_policy:
        raise ServiceError(_("Only the practice can book outside the usual rules."))
    if by_client and end is not None:
        raise ServiceError(_("Only the practice can change how long an appointment lasts."))

    def save() -> Appointment:
        current = _locked(appointment)
        _require_status(current, ACTIVE_STATUSES, _("This appointment can no longer be changed."))
        if by_client:
            check_client_window(current, now)
        target = professional or current.professional
        check_bookable(practice=current.practice, professional=target, service=current.service)
        lock_professionals(target, current.professional)
        if end is not None:
            check_length(start=start, end=end, tz=ZoneInfo(current.practice.timezone))
        length = (end - start) if end is not None else current.end - current.start
        unchanged = start == current.start and length == current.end - current.start
        if unchanged and target.pk == current.professional_id:
            raise ServiceError(_("Choose a different time."), field="start")
        slot = slot_for(current.service, start, length)
        if override_policy:
            check_overlap(professional=target, slot=slot, exclude_pk=current.pk)
        else:
            check_free_slot(
                practice=current.practice,
                professional=target,
                service=current.service,
                start=start,
                now=now,
                exclude_pk=current.pk,
                length=length,
            )
        previous_start, previous_end = current.start, current.end
        previous_professional = current.professional_id
        _offer_freed(
            practice=current.practice,
            professional=current.professional,
            start=previous_start,
            end=previous_end,
            now=now,
        )
        current.professional = target
        current.start, current.end = slot.start, slot.end
        current.blocked_start, current.blocked_end = slot.blocked_start, slot.blocked_end
        current.save(
            update_fields=[
                "professional",
                "start",
                "end",
                "blocked_start",
                "blocked_end",
                "updated_at",
            ]
        )
        extra = {
            "previous_professional": previous_professional,
            "previous_end": previous_end.isoformat(),
        }
        if override_policy:
            extra["override"] = True
        _record(
            current,
            kind=AppointmentEventKind.RESCHEDULED,
            by=by,
            by_client=by_client,
            previous_start=previous_start,
            **extra,
        )
        return current

    return guard_overlap(save)


# --- status changes --------------------------------------------------------------------------


def _transition(
    appointment, *, allowed, status, kind, by, by_client=False, message, reason="", check=None
):
    with transaction.atomic():
        current = _locked(appointment)
        _require_status(current, allowed, message)
        if check is not None:
            check(current)
        current.status = status
        current.save(update_fields=["status", "updated_at"])
        _record(current, kind=kind, by=by, by_client=by_client, reason=reason)
    return current


def _address_confirmed(current: Appointment) -> None:
    if current.unverified_until is not None:
        raise ServiceError(
            _(
                "The client has not confirmed their email yet: this booking can be confirmed "
                "once they do, or cancelled."
            )
        )


def appointment_confirm(*, appointment: Appointment, by) -> Appointment:
    return _transition(
        appointment,
        allowed=[AppointmentStatus.PENDING],
        status=AppointmentStatus.CONFIRMED,
        kind=AppointmentEventKind.CONFIRMED,
        by=by,
        message=_("Only a pending appointment can be confirmed."),
        check=_address_confirmed,
    )


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise ServiceError(
            _("The reason can have at most %(max)d characters.") % {"max": MAX_REASON_LENGTH},
            field="reason",
        )
    return reason


def appointment_reject(*, appointment: Appointment, by, reason: str = "") -> Appointment:
    rejected = _transition(
        appointment,
        allowed=[AppointmentStatus.PENDING],
        status=AppointmentStatus.CANCELLED,
        kind=AppointmentEventKind.REJECTED,
        by=by,
        reason=_clean_reason(reason),
        message=_("Only a pending appointment can be rejected."),
    )
    _offer_freed(
        practice=rejected.practice,
        professional=rejected.professional,
        start=rejected.start,
        end=rejected.end,
        now=timezone.now(),
    )
    return rejected


def appointment_cancel(
    *,
    appointment: Appointment,
    by=None,
    by_client: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    now = now or timezone.now()
    cancelled = _transition(
        appointment,
        allowed=ACTIVE_STATUSES,
        status=AppointmentStatus.CANCELLED,
        kind=AppointmentEventKind.CANCELLED,
        by=by,
        by_client=by_client,
        reason=_clean_reason(reason),
        message=_("This appointment can no longer be cancelled."),
        check=(lambda current: check_client_window(current, now)) if by_client else None,
    )
    _offer_freed(
        practice=cancelled.practice,
        professional=cancelled.professional,
        start=cancelled.start,
        end=cancelled.end,
        now=now,
    )
    return cancelled


def appointment_complete(
    *, appointment: Appointment, by, now: datetime | None = None
) -> Appointment:
    return _transition(
        appointment,
        allowed=[AppointmentStatus.CONFIRMED],
        status=AppointmentStatus.COMPLETED,
        kind=AppointmentEventKind.COMPLETED,
        by=by,
        message=_("Only a confirmed appointment can be marked as completed."),
        check=check_started(now or timezone.now()),
    )


def appointment_mark_no_show(
    *, appointment: Appointment, by, now: datetime | None = None
) -> Appointment:
    return _transition(
        appointment,
        allowed=[AppointmentStatus.CONFIRMED],
        status=AppointmentStatus.NO_SHOW,
        kind=AppointmentEventKind.NO_SHOW,
        by=by,
        message=_("Only a confirmed appointment can be marked as a no-show."),
        check=check_started(now or timezone.now()),
    )


# --- bookings held until the client confirms their email (see email_check.py) -----------------


def _lapsed_holds(now: datetime):
    """Bookings still held for an email confirmation whose time to confirm has run out."""
    return Appointment.objects.filter(status=AppointmentStatus.PENDING, unverified_until__lte=now)


def release_lapsed_holds(*, professional: Professional, slot, now: datetime) -> None:
    """Cancel the held bookings of `professional` near `slot` whose time to confirm has run
    out, so that the time is free for this booking without waiting for the periodic release.
    Called with the professional's row locked."""
    lapsed = (
        _lapsed_holds(now)
        .filter(professional=professional)
        .blocking(slot.blocked_start, slot.blocked_end)
        .values_list("pk", flat=True)
    )
    for pk in lapsed:
        appointment_release_unverified(appointment=Appointment(pk=pk), now=now)


def appointment_release_unverified(*, appointment: Appointment, now: datetime) -> bool:
    """Cancel `appointment` if it is still held for an email confirmation that did not come in
    time. True if this call released it (so, once). Nobody is told: the client never
    confirmed, and the practice never saw it (see on_appointment_event)."""

    not_held = _("This booking is no longer waiting for an email confirmation.")

    def still_lapsed(current: Appointment) -> None:
        if current.unverified_until is None or current.unverified_until > now:
            raise ServiceError(not_held)

    with translation.override(settings.LANGUAGE_CODE):  # the practice reads the history
        reason = _("The client did not confirm their email in time.")
    try:
        released = _transition(
            appointment,
            allowed=[AppointmentStatus.PENDING],
            status=AppointmentStatus.CANCELLED,
            kind=AppointmentEventKind.CANCELLED,
            by=None,
            reason=reason,
            message=not_held,
            check=still_lapsed,
        )
    except ServiceError:  # confirmed, cancelled or released meanwhile
        return False
    _offer_freed(
        practice=released.practice,
        professional=released.professional,
        start=released.start,
        end=released.end,
        now=now,
    )
    return True


def appointments_release_unverified(*, now: datetime | None = None) -> list[int]:
    """Release every lapsed hold (the periodic task); the ids released by this run."""
    now = now or timezone.now()
    lapsed = _lapsed_holds(now).values_list("pk", flat=True)
    return [
        pk
        for pk in lapsed
        if appointment_release_unverified(appointment=Appointment(pk=pk), now=now)
    ]


def email_check_lapsed(appointment: Appointment, now: datetime) -> bool:
    """Whether a held booking can no longer be confirmed: released, or its time ran out."""
    return appointment.status != AppointmentStatus.PENDING or appointment.unverified_until <= now


EMAIL_CHECK_LAPSED = gettext_lazy(
    "The time to confirm this booking has run out and the time was released. You can book again."
)


def appointment_confirm_email(
    *, appointment: Appointment, now: datetime | None = None
) -> Appointment:
    """The client followed the link in the email: the booking is made for real (confirmed, or
    pending when the practice approves bookings) and the usual messages go out. Clicking again
    changes nothing; after the time to confirm ran out, ServiceError."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(appointment)
        if current.unverified_until is None:
            return current
        if email_check_lapsed(current, now):
            raise ServiceError(str(EMAIL_CHECK_LAPSED))
        policy = policy_for(current.practice)
        approval = policy.approval_required or online_booking_needs_approval(
            practice=current.practice, policy=policy, client=current.client
        )
        current.unverified_until = None
        current.status = AppointmentStatus.PENDING if approval else AppointmentStatus.CONFIRMED
        current.save(update_fields=["unverified_until", "status", "updated_at"])
        _record(
            current,
            kind=AppointmentEventKind.EMAIL_CONFIRMED,
            by=None,
            by_client=True,
            notify_as=AppointmentEventKind.CREATED,
        )
    return current

"""The waiting list: people who want a time that is not free yet.

When a time is freed (a cancellation, which includes the release of an unconfirmed
appointment, or a reschedule away from it), `waitlist_offer_freed_slot` runs after the commit,
picks the oldest open entries that fit, and emails each a claim link valid for OFFER_VALID.
The claim books through `appointment_book`, so the database decides a race between claimers:
one wins, the others are told and stay on the list.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from citas.catalog.models import Service
from citas.core.errors import ServiceError
from citas.notifications.models import Channel, Notification, NotificationKind
from citas.practices.models import Practice, Professional
from citas.scheduling.selectors import availability_for, policy_for

from .models import Appointment, PartOfDay, WaitlistEntry, WaitlistStatus
from .rules import SlotTaken
from .services import appointment_book, client_for_booking

OFFERS_PER_SLOT = 3
OFFER_VALID = timedelta(hours=2)
AFTERNOON_FROM = time(14)
MAX_RANGE_DAYS = 60
OPEN_STATUSES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class OfferTaken(ServiceError):
    def __init__(self):
        super().__init__(
            _("Someone else has already booked this time. You are still on the waiting list."),
            code="offer_taken",
        )


def fits_part_of_day(part: str, local: time) -> bool:
    if part == PartOfDay.MORNING:
        return local < AFTERNOON_FROM
    if part == PartOfDay.AFTERNOON:
        return local >= AFTERNOON_FROM
    return True


def _check_join(
    *,
    practice,
    service,
    professional,
    full_name,
    email,
    phone,
    first_day,
    last_day,
    part_of_day,
    today,
) -> None:
    if service.practice_id != practice.pk or not service.is_active:
        raise ServiceError(_("This service does not exist or cannot be booked."), field="service")
    if (
        professional is not None
        and not service.professionals.filter(pk=professional.pk, is_active=True).exists()
    ):
        raise ServiceError(
            _("This professional does not offer this service."), field="professional"
        )
    if not full_name:
        raise ServiceError(_("Enter your name."), field="full_name")
    if len(full_name) > WaitlistEntry._meta.get_field("full_name").max_length:
        raise ServiceError(_("The name is too long."), field="full_name")
    if len(phone) > WaitlistEntry._meta.get_field("phone").max_length:
        raise ServiceError(_("The phone number is too long."), field="phone")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise ServiceError(_("Enter a valid email address."), field="email") from exc
    if part_of_day not in PartOfDay.values:
        raise ServiceError(_("Choose morning, afternoon or any time."), field="part_of_day")
    if first_day < today:
        raise ServiceError(_("Choose a day from today on."), field="first_day")
    if last_day < first_day:
        raise ServiceError(_("The last day must not be before the first."), field="last_day")
    horizon = today + timedelta(days=policy_for(practice).horizon_days)
    if last_day > horizon or (last_day - first_day).days >= MAX_RANGE_DAYS:
        raise ServiceError(
            _("Choose at most %(days)d days, up to %(last)s.")
            % {"days": MAX_RANGE_DAYS, "last": horizon.strftime("%d/%m/%Y")},
            field="last_day",
        )


def waitlist_join(
    *,
    practice: Practice,
    service: Service,
    professional: Professional | None,
    full_name: str,
    email: str,
    phone: str = "",
    first_day: date,
    last_day: date,
    part_of_day: str = PartOfDay.ANY,
    language: str = "es",
    now: datetime,
) -> WaitlistEntry:
    full_name, email, phone = full_name.strip(), email.strip(), phone.strip()
    today = now.astimezone(ZoneInfo(practice.timezone)).date()
    _check_join(
        practice=practice,
        service=service,
        professional=professional,
        full_name=full_name,
        email=email,
        phone=phone,
        first_day=first_day,
        last_day=last_day,
        part_of_day=part_of_day,
        today=today,
    )
    already = WaitlistEntry.objects.filter(
        practice=practice,
        service=service,
        professional=professional,
        email__iexact=email,
        status__in=OPEN_STATUSES,
    )
    if already.exists():
        raise ServiceError(
            _("You are already on the waiting list for this service."),
            field="email",
            code="waitlist_duplicate",
        )
    return WaitlistEntry.objects.create(
        practice=practice,
        service=service,
        professional=professional,
        full_name=full_name,
        email=email,
        phone=phone,
        language=language,
        first_day=first_day,
        last_day=last_day,
        part_of_day=part_of_day,
    )


def waitlist_leave(*, entry: WaitlistEntry) -> WaitlistEntry:
    """Off the list (the client from the email, or the practice). A booked entry stays."""
    with transaction.atomic():
        current = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if current.status in OPEN_STATUSES:
            current.status = WaitlistStatus.LEFT
            current.save(update_fields=["status", "updated_at"])
    return current


def _open(now: datetime) -> Q:
    """Waiting, or offered a time whose claim link has expired."""
    return Q(status=WaitlistStatus.WAITING) | Q(
        status=WaitlistStatus.OFFERED, offer_expires_at__lte=now
    )


def matching_entries(*, practice, professional, day: date, local: time, now: datetime):
    """Open entries, oldest first, whose service, professional, days and part of day fit."""
    parts = [PartOfDay.ANY, PartOfDay.MORNING if local < AFTERNOON_FROM else PartOfDay.AFTERNOON]
    return (
        WaitlistEntry.objects.filter(
            _open(now),
            Q(professional__isnull=True) | Q(professional=professional),
            practice=practice,
            service__professionals=professional,
            service__is_active=True,
            first_day__lte=day,
            last_day__gte=day,
            part_of_day__in=parts,
        )
        .select_related("service")
        .order_by("created_at", "pk")
    )


def _offer_starts(*, practice, professional, service_ids, day, start, end, now) -> dict:
    """{service id: the first free start of that service inside [start, end)}, for the
    services that have one: one availability computation per service, not per entry."""
    starts = {}
    for service in Service.objects.filter(pk__in=service_ids):
        found = availability_for(
            practice=practice,
            service=service,
            professionals=[professional],
            first_day=day,
            last_day=day,
            now=now,
        )
        free = [s for s, _professional in found["any"].get(day, []) if start <= s < end]
        if free:
            starts[service.pk] = free[0]
    return starts


def _offer_row(entry: WaitlistEntry, professional: Professional, now: datetime) -> Notification:
    practice = entry.practice
    return Notification(
        practice=practice,
        professional=professional,
        kind=NotificationKind.WAITLIST_OFFER,
        channel=Channel.EMAIL,
        recipient=entry.email,
        language=entry.language,
        due_at=now,
        payload={
            "token": entry.token,
            "practice_slug": practice.slug,
            "practice": practice.name,
            "address": practice.address,
            "phone": practice.phone,
            "tz": practice.timezone,
            "service": entry.service.name,
            "professional": professional.display_name,
            "client": entry.full_name,
            "start": entry.offered_start.isoformat(),
            "expires_at": entry.offer_expires_at.isoformat(),
        },
    )


def waitlist_offer_freed_slot(
    *, practice: Practice, professional: Professional, start: datetime, end: datetime, now: datetime
) -> list[WaitlistEntry]:
    """Offer the freed [start, end) of `professional` to the first OFFERS_PER_SLOT entries
    (one per email, and none to someone holding an open offer) for which a time in it is
    still free. The entries offered."""
    if end <= now:
        return []
    local = start.astimezone(ZoneInfo(practice.timezone))
    candidates = matching_entries(
        practice=practice, professional=professional, day=local.date(), local=local.time(), now=now
    )
    starts = _offer_starts(
        practice=practice,
        professional=professional,
        service_ids=candidates.order_by().values("service_id"),
        day=local.date(),
        start=start,
        end=end,
        now=now,
    )
    offered: list[WaitlistEntry] = []
    # One open offer per person at a time (and so never two emails at the same moment).
    emails = {
        email.lower()
        for email in WaitlistEntry.objects.filter(
            practice=practice, status=WaitlistStatus.OFFERED, offer_expires_at__gt=now
        ).values_list("email", flat=True)
    }
    with transaction.atomic():
        for entry in candidates.filter(service_id__in=starts).iterator(chunk_size=50):
            if entry.email.lower() in emails:
                continue
            offer_start = starts[entry.service_id]
            entry.practice = practice
            entry.status = WaitlistStatus.OFFERED
            entry.offered_start = offer_start
            entry.offered_professional = professional
            entry.offer_expires_at = now + OFFER_VALID
            # Conditional: a concurrent offer of another freed time may have taken the entry.
            taken = WaitlistEntry.objects.filter(_open(now), pk=entry.pk).update(
                status=entry.status,
                offered_start=offer_start,
                offered_professional=professional,
                offer_expires_at=entry.offer_expires_at,
                updated_at=now,
            )
            if not taken:
                continue
            emails.add(entry.email.lower())
            offered.append(entry)
            if len(offered) == OFFERS_PER_SLOT:
                break
        Notification.objects.bulk_create([_offer_row(e, professional, now) for e in offered])
    return offered


def offer_freed_slot_on_commit(*, practice, professional, start, end, now) -> None:
    """After the transaction that freed [start, end) commits, offer it to the waiting list."""
    transaction.on_commit(
        lambda: waitlist_offer_freed_slot(
            practice=practice, professional=professional, start=start, end=end, now=now
        ),
        robust=True,  # the freed time stays freed even if offering it fails; it is logged
    )


def offer_is_open(entry: WaitlistEntry, now: datetime) -> bool:
    return entry.status == WaitlistStatus.OFFERED and entry.offer_expires_at > now


def waitlist_claim(*, entry: WaitlistEntry, now: datetime) -> Appointment:
    """Book the offered time. OfferTaken when someone else got it first (the entry waits
    again); a ServiceError when the offer has expired or the booking is refused."""
    refused: ServiceError | None = None
    with transaction.atomic():
        current = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("practice", "service", "offered_professional")
            .get(pk=entry.pk)
        )
        if current.status == WaitlistStatus.BOOKED:
            raise ServiceError(_("You have already booked this time."), code="offer_booked")
        if not offer_is_open(current, now) or current.offered_professional is None:
            raise ServiceError(
                _("This offer is no longer valid. You are still on the waiting list."),
                code="offer_expired",
            )
        try:
            with transaction.atomic():
                client = client_for_booking(
                    practice=current.practice,
                    full_name=current.full_name,
                    email=current.email,
                    phone=current.phone,
                )
                appointment = appointment_book(
                    practice=current.practice,
                    professional=current.offered_professional,
                    service=current.service,
                    client=client,
                    start=current.offered_start,
                    by_client=True,
                    now=now,
                )
        except SlotTaken:
            refused = OfferTaken()
        except ServiceError as error:
            refused = error
        if refused is None:
            current.status = WaitlistStatus.BOOKED
            current.appointment = appointment
        else:
            current.status = WaitlistStatus.WAITING
            current.offered_start = current.offer_expires_at = None
            current.offered_professional = None
        current.save()
    if refused is not None:
        raise refused
    return appointment

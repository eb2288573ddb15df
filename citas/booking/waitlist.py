"""The waiting list: people who want a time that is not free yet.

When a time is freed, `waitlist_offer_freed_times` runs after the commit: by a cancellation
(which includes the release of an unconfirmed appointment) or a reschedule away from it, and by
schedule changes on any path (time off or a holiday removed or shortened, new or longer working
hours, a professional back at work: scheduling.changes.schedule_change). It picks the oldest
waiting entries that fit and emails each a claim link valid for the practice's setting
(BookingPolicy). An offer that expires unclaimed (`waitlist_expire_offers`, a periodic task)
puts its entry back on the list and offers the time to the next entry in order. The claim books
through `appointment_book`, so the database decides a race between claimers: one wins, the
others are told and stay on the list.
"""

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils.translation import gettext as _

from citas.catalog.models import Service
from citas.core.errors import ServiceError
from citas.core.timezones import as_utc, at_local_time
from citas.notifications.models import Channel, Notification, NotificationKind
from citas.practices.models import Practice, Professional, Role
from citas.scheduling.selectors import MAX_RANGE_DAYS as AVAILABILITY_RANGE_DAYS
from citas.scheduling.selectors import availability_for, policy_for

from .models import Appointment, PartOfDay, WaitlistEntry, WaitlistStatus
from .rules import SlotTaken
from .services import appointment_book, client_for_booking

AFTERNOON_FROM = time(14)
MAX_RANGE_DAYS = 60
EXPIRED_PER_RUN = 500
OPEN_STATUSES = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)
# Who of a practice sees and manages the list (it holds people's contact details).
STAFF_ROLES = (Role.OWNER, Role.ADMIN, Role.RECEPTION)


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


def open_entries(*, practice: Practice, service_id: int | None = None):
    """The practice's waiting and offered entries, per service and oldest first."""
    entries = WaitlistEntry.objects.filter(practice=practice, status__in=OPEN_STATUSES)
    if service_id is not None:
        entries = entries.filter(service_id=service_id)
    return entries.select_related("service", "professional", "offered_professional").order_by(
        "service__name", "service_id", "created_at", "pk"
    )


def waitlist_leave(*, entry: WaitlistEntry) -> WaitlistEntry:
    """Off the list (the client from the email, or the practice). A booked entry stays."""
    with transaction.atomic():
        current = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if current.status in OPEN_STATUSES:
            current.status = WaitlistStatus.LEFT
            current.save(update_fields=["status", "updated_at"])
    return current


def offer_settings(practice: Practice) -> tuple[timedelta, int, int]:
    """(how long a claim link works, how many people each freed time is offered to, the
    booking horizon in days)."""
    policy = policy_for(practice)
    return (
        timedelta(minutes=policy.waitlist_offer_valid_minutes),
        policy.waitlist_offers_per_slot,
        policy.horizon_days,
    )


def matching_entries(*, practice, professional, first_day: date, last_day: date):
    """Waiting entries, oldest first, for a service of `professional` (or anyone) whose days
    meet first_day..last_day. An offered entry waits again only when its offer has expired
    (waitlist_expire_offers), so it is never offered twice at once."""
    return (
        WaitlistEntry.objects.filter(
            Q(professional__isnull=True) | Q(professional=professional),
            practice=practice,
            status=WaitlistStatus.WAITING,
            service__professionals=professional,
            service__is_active=True,
            first_day__lte=last_day,
            last_day__gte=first_day,
        )
        .select_related("service")
        .order_by("created_at", "pk")
    )


def day_windows(windows, tz: ZoneInfo, now: datetime) -> list[tuple[datetime, datetime]]:
    """The freed [start, end) ranges from now on, cut at local midnights: each freed day is
    offered on its own (to the practice's number of people), however many days were freed."""
    cut = []
    for start, end in sorted(windows):
        start = max(as_utc(start), now)
        end = as_utc(end)
        while start < end:
            local = start.astimezone(tz)
            midnight = at_local_time(local.date() + timedelta(days=1), time(), tz)
            cut.append((start, min(end, midnight)))
            start = midnight
    return cut


def _free_starts(*, practice, professional, service_ids, windows, horizon_days, now) -> dict:
    """{service id: [its free starts inside `windows`, first to last]}, for the services that
    have one: one availability computation per service (per availability range), not per
    entry or per day."""
    tz = ZoneInfo(practice.timezone)
    first_day = windows[0][0].astimezone(tz).date()
    last_day = (windows[-1][1] - timedelta(microseconds=1)).astimezone(tz).date()
    last_day = min(last_day, now.astimezone(tz).date() + timedelta(days=horizon_days))
    begins = [begin for begin, _end in windows]
    starts: dict[int, list[datetime]] = {}
    for service in Service.objects.filter(pk__in=service_ids):
        found: list[datetime] = []
        chunk = first_day
        while chunk <= last_day:
            chunk_end = min(last_day, chunk + timedelta(days=AVAILABILITY_RANGE_DAYS - 1))
            days = availability_for(
                practice=practice,
                service=service,
                professionals=[professional],
                first_day=chunk,
                last_day=chunk_end,
                now=now,
            )["any"]
            found += [start for day in sorted(days) for start, _professional in days[day]]
            chunk = chunk_end + timedelta(days=1)
        inside = [start for start in found if _inside(start, begins, windows)]
        if inside:
            starts[service.pk] = inside
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


def _offered_before(*, practice, professional, starts) -> set[tuple[str, str]]:
    """(email, start) pairs already offered: whoever let an offer of a time expire is not
    offered the same time again."""
    return {
        (email.lower(), start)
        for email, start in Notification.objects.filter(
            practice=practice,
            professional=professional,
            kind=NotificationKind.WAITLIST_OFFER,
            payload__start__in=[start.isoformat() for start in starts],
        ).values_list("recipient", "payload__start")
    }


class _Window:
    """One freed range and the offers made of it so far."""

    def __init__(self, start: datetime, end: datetime, room: int):
        self.start, self.end, self.room = start, end, room

    def first_fit(self, entry, starts: list[datetime], tz: ZoneInfo, refused) -> datetime | None:
        for start in starts[bisect_left(starts, self.start) :]:
            if start >= self.end:
                return None
            local = start.astimezone(tz)
            if (
                entry.first_day <= local.date() <= entry.last_day
                and fits_part_of_day(entry.part_of_day, local.time())
                and (entry.email.lower(), start.isoformat()) not in refused
            ):
                return start
        return None


def waitlist_offer_freed_times(
    *,
    practice: Practice,
    professional: Professional,
    windows: list[tuple[datetime, datetime]],
    now: datetime,
    limit: int | None = None,
    exclude: int | None = None,
) -> list[WaitlistEntry]:
    """Offer the freed ranges of `professional` to the waiting list, oldest entry first: each
    entry gets the first free time of its service that fits its days and part of the day,
    each day's freed range goes to at most `limit` people (the practice's setting), and
    nobody holds two open offers. The entries offered."""
    tz = ZoneInfo(practice.timezone)
    now = as_utc(now)
    valid, per_slot, horizon_days = offer_settings(practice)
    cut = day_windows(windows, tz, now)
    if not cut or not professional.is_active:
        return []
    first_day = cut[0][0].astimezone(tz).date()
    last_day = (cut[-1][1] - timedelta(microseconds=1)).astimezone(tz).date()
    candidates = matching_entries(
        practice=practice, professional=professional, first_day=first_day, last_day=last_day
    ).exclude(pk=exclude)
    # Only the days someone waits for: new working hours free every week up to the horizon.
    span = candidates.aggregate(first=Min("first_day"), last=Max("last_day"))
    if span["first"] is None:
        return []
    first_day, last_day = max(first_day, span["first"]), min(last_day, span["last"])
    cut = [(s, e) for s, e in cut if first_day <= s.astimezone(tz).date() <= last_day]
    if not cut:
        return []
    starts = _free_starts(
        practice=practice,
        professional=professional,
        service_ids=candidates.order_by().values("service_id"),
        windows=cut,
        horizon_days=horizon_days,
        now=now,
    )
    refused = _offered_before(
        practice=practice,
        professional=professional,
        starts=sorted({start for found in starts.values() for start in found}),
    )
    open_windows = [_Window(start, end, limit or per_slot) for start, end in cut]
    offered: list[WaitlistEntry] = []
    # One open offer per person at a time (and so never two emails at the same moment).
    emails = {
        email.lower()
        for email in WaitlistEntry.objects.filter(
            practice=practice, status=WaitlistStatus.OFFERED
        ).values_list("email", flat=True)
    }
    with transaction.atomic():
        for entry in candidates.filter(service_id__in=starts).iterator(chunk_size=200):
            if not open_windows:
                break
            if entry.email.lower() in emails:
                continue
            for window in open_windows:
                offer_start = window.first_fit(entry, starts[entry.service_id], tz, refused)
                if offer_start is not None:
                    break
            else:
                continue
            entry.practice = practice
            entry.status = WaitlistStatus.OFFERED
            entry.offered_start = offer_start
            entry.offered_professional = professional
            entry.offer_expires_at = now + valid
            # Conditional: a concurrent offer of another freed time may have taken the entry.
            taken = WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.WAITING).update(
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
            window.room -= 1
            open_windows = [w for w in open_windows if w.room > 0]
        Notification.objects.bulk_create([_offer_row(e, professional, now) for e in offered])
    return offered


def _inside(start: datetime, begins: list[datetime], windows) -> bool:
    """Whether `start` lies in one of the sorted, non-overlapping `windows` (`begins`: their
    starts)."""
    index = bisect_right(begins, start) - 1
    return index >= 0 and start < windows[index][1]


def waitlist_offer_freed_slot(
    *,
    practice: Practice,
    professional: Professional,
    start: datetime,
    end: datetime,
    now: datetime,
    limit: int | None = None,
    exclude: int | None = None,
) -> list[WaitlistEntry]:
    """Offer one freed [start, end) of `professional` (a cancellation, a reschedule...)."""
    return waitlist_offer_freed_times(
        practice=practice,
        professional=professional,
        windows=[(start, end)],
        now=now,
        limit=limit,
        exclude=exclude,
    )


def offer_freed_slot_on_commit(*, practice, professional, start, end, now) -> None:
    """After the transaction that freed [start, end) commits, offer it to the waiting list."""
    offer_freed_times_on_commit(
        practice=practice, professionals=[professional], windows=[(start, end)], now=now
    )


def offer_freed_times_on_commit(*, practice, professionals, windows, now) -> None:
    """After the transaction that freed `windows` of each of `professionals` commits (time off
    or a holiday removed, new or longer working hours), offer them to the waiting list. Once
    per transaction: scheduling.changes.schedule_change registers it for the outermost change."""
    if not windows:
        return

    def offer() -> None:
        for professional in professionals:
            waitlist_offer_freed_times(
                practice=practice, professional=professional, windows=windows, now=now
            )

    # robust: the freed time stays freed even if offering it fails; it is logged.
    transaction.on_commit(offer, robust=True)


def waitlist_expire_offers(*, now: datetime) -> list[WaitlistEntry]:
    """Offers whose claim link expired unclaimed: the entry waits again, and its time goes to
    the next entry in order (one person per expired offer), if it is still free. Each expired
    offer is handled once: the conditional UPDATE decides between concurrent runs."""
    reoffered: list[WaitlistEntry] = []
    expired = (
        WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED, offer_expires_at__lte=now)
        .select_related("practice", "offered_professional", "service")
        .order_by("offer_expires_at", "pk")
    )
    for entry in list(expired[:EXPIRED_PER_RUN]):  # the next run takes the rest
        # One transaction: the entry back on the list and its time offered on, or neither
        # (a crash leaves the offer expired, and the next run does both).
        with transaction.atomic():
            back = WaitlistEntry.objects.filter(
                pk=entry.pk,
                status=WaitlistStatus.OFFERED,
                offer_expires_at=entry.offer_expires_at,
            ).update(
                status=WaitlistStatus.WAITING,
                offered_start=None,
                offered_professional=None,
                offer_expires_at=None,
                updated_at=now,
            )
            if not back or entry.offered_professional is None:
                continue
            # The very time offered (a window holding only its start), to one more person.
            reoffered += waitlist_offer_freed_slot(
                practice=entry.practice,
                professional=entry.offered_professional,
                start=entry.offered_start,
                end=entry.offered_start + timedelta(seconds=1),
                now=now,
                limit=1,
                exclude=entry.pk,
            )
    return reoffered


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

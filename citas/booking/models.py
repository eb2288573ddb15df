import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.db import connections, models
from django.db.models import F, Func, Q
from django.utils.translation import gettext_lazy as _

from citas.catalog.models import MAX_MINUTES, Service
from citas.core.models import BaseModel
from citas.practices.models import Practice, Professional


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL only.

    SQLite has no EXCLUDE and Django would emit it anyway; there the booking service's
    BEGIN IMMEDIATE transaction gives the same guarantee, so the constraint is skipped.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using="default"):
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


def new_appointment_token() -> str:
    return secrets.token_urlsafe(32)


class ClientManager(models.Manager):
    """Clients as every page, search, feed and API route sees them: blocked records (erasure
    requested, kept only for legal claims under LOPDGDD art. 32) are left out here, once, so
    that no selector can forget them. `Client.all_objects` reaches them (citas.privacy)."""

    def get_queryset(self):
        return super().get_queryset().filter(blocked_at__isnull=True)


class Client(BaseModel):
    """A practice's record of a person who books; optionally linked to a user account."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="clients")
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="client_records",
    )
    privacy_accepted_at = models.DateTimeField(
        _("privacy policy accepted at"), null=True, blank=True
    )
    blocked_at = models.DateTimeField(_("blocked at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # No-shows before this moment no longer count against the practice's no-show limit.
    no_shows_reset_at = models.DateTimeField(_("no-shows reset at"), null=True, blank=True)

    objects = ClientManager()
    all_objects = models.Manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["full_name"]
        indexes = [
            # Finding the client record of an email when someone books on the public page.
            models.Index(fields=["practice", "email"], name="client_practice_email"),
            # The client list (staff page and API): one page in name order, an index range scan.
            models.Index(fields=["practice", "full_name", "id"], name="client_practice_name_id"),
            # A practice's blocked clients (AppointmentQuerySet.of_practice, the privacy pages):
            # only those rows, so it stays tiny whatever the number of clients.
            models.Index(
                fields=["practice", "blocked_at"],
                condition=Q(blocked_at__isnull=False),
                name="client_blocked_practice",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class AppointmentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")


ACTIVE_STATUSES = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)

# The longest an appointment can last (booking.rules.MAX_LENGTH, catalog.MAX_MINUTES) and the
# longest its blocked range can be (plus the largest buffer on each side). Overlap queries use
# them as a lower bound on the start, so that they read an index range whatever the history.
MAX_APPOINTMENT_SPAN = timedelta(hours=12)
MAX_BLOCKED_SPAN = MAX_APPOINTMENT_SPAN + 2 * timedelta(minutes=MAX_MINUTES)


class AppointmentChannel(models.TextChoices):
    """Where a booking came from: the reports count bookings by channel."""

    PUBLIC = "public", _("Booking page")
    STAFF = "staff", _("Staff")
    API = "api", _("API")


class SeriesFrequency(models.TextChoices):
    WEEKLY = "weekly", _("Every week")
    BIWEEKLY = "biweekly", _("Every 2 weeks")
    MONTHLY = "monthly", _("Every month")


class AppointmentSeries(BaseModel):
    """Appointments booked together by the staff at one local wall time (see series.py);
    each occurrence is an ordinary Appointment pointing here."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="series")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="series")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="series")
    frequency = models.CharField(_("repeats"), max_length=16, choices=SeriesFrequency.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("appointment series")
        verbose_name_plural = _("appointment series")

    def __str__(self) -> str:
        return f"{self.service} · {self.client} · {self.get_frequency_display()}"


class AppointmentQuerySet(models.QuerySet):
    def of_practice(self, practice):
        """The practice's appointments as the default manager shows them (none of a blocked
        client), without joining every row to its client: the practice's few blocked clients
        are one small set each row is looked up in (PostgreSQL hashes it). Reports aggregate
        a year of rows; reading them from the index alone (appt_practice_start_id) needs
        that no column of the client be asked for. Use it on `all_objects`."""
        blocked = Client.all_objects.filter(practice=practice, blocked_at__isnull=False)
        return self.filter(practice=practice).exclude(client_id__in=blocked.values("pk"))

    def active(self):
        """Appointments that hold their time: pending or confirmed."""
        return self.filter(status__in=ACTIVE_STATUSES)

    def for_professional(self, professional):
        return self.filter(professional=professional)

    def client_confirmed(self, confirmed: bool):
        """Whether the client said "I'll be there". Not yet is asked of active appointments
        only (a cancelled or past-and-closed one awaits no answer); the status filter stays
        the index's own condition, so it reads appt_open_practice_start."""
        if confirmed:
            return self.filter(client_confirmed_at__isnull=False)
        return self.active().filter(client_confirmed_at__isnull=True)

    def intersecting(self, start: datetime, end: datetime):
        """Appointments whose [start, end) meets [start, end): a range of the
        (practice, start, id) index, bounded below by the longest possible appointment."""
        return self.filter(start__lt=end, start__gt=start - MAX_APPOINTMENT_SPAN, end__gt=start)

    def blocking(self, start: datetime, end: datetime):
        """Appointments whose BLOCKED range meets [start, end): a range of the
        (professional, blocked_start) index, bounded below by the longest blocked range."""
        return self.filter(
            blocked_start__lt=end,
            blocked_start__gt=start - MAX_BLOCKED_SPAN,
            blocked_end__gt=start,
        )


class AppointmentManager(models.Manager.from_queryset(AppointmentQuerySet)):
    """Appointments of blocked clients are hidden with their client (see ClientManager);
    `Appointment.all_objects` reaches them."""

    def get_queryset(self):
        return super().get_queryset().filter(client__blocked_at__isnull=True)


class Appointment(BaseModel):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="appointments")
    professional = models.ForeignKey(
        Professional, on_delete=models.PROTECT, related_name="appointments"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # start − buffer_before and end + buffer_after of the service, computed by the booking
    # service and stored so that overlap checks are plain range comparisons.
    blocked_start = models.DateTimeField(_("blocked from"))
    blocked_end = models.DateTimeField(_("blocked until"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.PENDING,
    )
    notes = models.TextField(_("notes"), blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_appointment_token)
    # Booked online at a practice that asks clients to confirm their email address: the time
    # is held until then, and released after it (see email_check.py). None once confirmed.
    unverified_until = models.DateTimeField(
        _("held until the client confirms the email"), null=True, blank=True
    )
    # The client answered "I'll be there" from a reminder (see attendance.py).
    client_confirmed_at = models.DateTimeField(
        _("attendance confirmed by the client at"), null=True, blank=True
    )
    # The service's price when it was booked: revenue reports read this, so that a later price
    # change does not rewrite what past appointments earned.
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2)
    channel = models.CharField(
        _("channel"),
        max_length=8,
        choices=AppointmentChannel.choices,
        default=AppointmentChannel.STAFF,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    series = models.ForeignKey(
        AppointmentSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )

    objects = AppointmentManager()
    all_objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start"]
        indexes = [
            # scheduling.selectors.availability_for and every overlap check (`blocking`): a
            # professional's blocked ranges in a window. Only the rows that hold their time
            # (every `blocking` read is of active appointments), and with the end included the
            # availability read scans the index alone: at 200k appointments it no longer
            # intersects this index with appt_open_practice_start and visits the table.
            models.Index(
                fields=["professional", "blocked_start"],
                include=["blocked_end"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="appt_prof_blocked_start",
            ),
            # The API list (keyset on start, id), the staff list tabs, the agenda feed
            # (`intersecting`) and the closing of past appointments. It also carries every
            # column the reports (citas.reports) aggregate, so that a year's report reads the
            # index alone (an index-only scan) instead of the whole table's wide rows.
            models.Index(
                fields=["practice", "start", "id"],
                include=[
                    "status",
                    "professional",
                    "service",
                    "client",
                    "end",
                    "channel",
                    "created_at",
                    "price",
                ],
                name="appt_practice_start_id",
            ),
            # Past appointments still open (booking.closing): only pending and confirmed rows,
            # so it stays small whatever the history.
            models.Index(
                fields=["practice", "start"],
                condition=Q(status__in=["pending", "confirmed"]),
                name="appt_open_practice_start",
            ),
            # The "confirmed by the client" filter of the staff list and the API: only the
            # confirmed rows, so it stays small whatever the history.
            models.Index(
                fields=["practice", "start", "id"],
                condition=Q(client_confirmed_at__isnull=False),
                name="appt_client_confirmed_start",
            ),
            # The dashboard's no-shows and cancellations this month and last (reports.selectors.
            # month_figures): only those rows, so the count reads a fifth of the months.
            models.Index(
                fields=["practice", "start", "status"],
                condition=Q(status__in=["no_show", "cancelled"]),
                name="appt_missed_practice_start",
            ),
            # services.check_online_bookings_per_hour: a practice's online bookings of the last
            # hour; only those channels' rows.
            models.Index(
                fields=["practice", "created_at"],
                condition=Q(channel__in=["public", "api"]),
                name="appt_online_practice_created",
            ),
            # The client list's no-show counts (staff_selectors.client_list): a client's
            # no-shows since a date, from an index of the no-shows alone (the appointment count
            # reads the client_id index only).
            models.Index(
                fields=["client", "start"],
                condition=Q(status="no_show"),
                name="appt_client_no_show_start",
            ),
            # attendance.release_candidates: unconfirmed appointments starting soon.
            models.Index(
                fields=["start"],
                name="appt_unconfirmed_start",
                condition=Q(client_confirmed_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="appointment_start_before_end"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="appointment_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(blocked_start__lte=F("start")) & Q(end__lte=F("blocked_end")),
                name="appointment_blocked_covers_times",
            ),
            # PostgreSQL's final guard against double booking (needs btree_gist); the booking
            # service relies on BEGIN IMMEDIATE for the same guarantee on SQLite.
            PostgresExclusionConstraint(
                name="appointment_no_overlap",
                expressions=[
                    ("professional", RangeOperators.EQUAL),
                    (TsTzRange("blocked_start", "blocked_end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["pending", "confirmed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.client} · {self.start:%Y-%m-%d %H:%M}"


class AppointmentEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    CLIENT_CONFIRMED = "client_confirmed", _("Attendance confirmed by the client")
    EMAIL_CONFIRMED = "email_confirmed", _("Email confirmed by the client")


class AppointmentEvent(models.Model):
    """One line of an appointment's history: who did what, and when."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=AppointmentEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_client = models.BooleanField(_("by the client"), default=False)
    # previous_start, previous_professional, reason, override: whatever explains the change.
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        ordering = ["created_at", "pk"]
        indexes = [
            # An appointment's history, oldest first.
            models.Index(fields=["appointment", "created_at"], name="appt_event_appt_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.appointment_id}"


class PartOfDay(models.TextChoices):
    ANY = "any", _("Any time")
    MORNING = "morning", _("Morning (before 14:00)")
    AFTERNOON = "afternoon", _("Afternoon (from 14:00)")


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a time")
    BOOKED = "booked", _("Booked")
    LEFT = "left", _("Left the list")


class WaitlistEntry(BaseModel):
    """Someone who wants a time that is not free yet (see waitlist.py)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="waitlist")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="waitlist")
    # Empty: anyone who offers the service.
    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, null=True, blank=True, related_name="waitlist"
    )
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=8, default="es")
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    part_of_day = models.CharField(
        _("part of the day"), max_length=16, choices=PartOfDay.choices, default=PartOfDay.ANY
    )
    status = models.CharField(
        _("status"), max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    token = models.CharField(max_length=64, unique=True, default=new_appointment_token)
    # The time offered last (status offered), and until when the claim link works.
    offered_start = models.DateTimeField(_("offered time"), null=True, blank=True)
    offered_professional = models.ForeignKey(
        Professional, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer_expires_at = models.DateTimeField(_("offer valid until"), null=True, blank=True)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list entries")
        ordering = ["created_at", "pk"]
        indexes = [
            # waitlist.matching_entries: a practice's open entries covering a day, oldest first.
            models.Index(
                fields=["practice", "last_day", "created_at"],
                name="waitlist_open_by_day",
                condition=Q(status__in=["waiting", "offered"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=F("last_day")), name="waitlist_first_day_before_last"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.full_name} · {self.get_status_display()}"

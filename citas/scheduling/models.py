from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from citas.core.models import BaseModel
from citas.practices.models import Practice, Professional

MAX_HORIZON_DAYS = 730


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingHours(BaseModel):
    """One weekly working range; several per weekday, the gaps are breaks.

    professional NULL: the practice's default template, copied to new professionals.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="working_hours")
    professional = models.ForeignKey(
        Professional,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="working_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="working_hours_start_before_end"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="working_hours_weekday"),
        ]
        indexes = [
            # availability_for: the ranges of the professionals being searched.
            models.Index(fields=["professional", "weekday"], name="working_hours_prof_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class TimeOffReason(models.TextChoices):
    VACATION = "vacaciones", _("Vacation")
    TRAINING = "formacion", _("Training")
    HOLIDAY = "festivo", _("Public holiday")
    OTHER = "otro", _("Other")


class TimeOff(BaseModel):
    """An absence: for one professional, or for the whole practice when professional is NULL.

    A full-day absence is stored as local midnight to the next local midnight(s).
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="time_off")
    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, null=True, blank=True, related_name="time_off"
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    all_day = models.BooleanField(_("all day"), default=True)
    reason = models.CharField(
        _("reason"), max_length=16, choices=TimeOffReason.choices, default=TimeOffReason.VACATION
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="time_off_start_before_end"
            ),
        ]
        indexes = [
            # availability_for and the time-off list: a practice's absences overlapping a window.
            models.Index(fields=["practice", "start"], name="time_off_practice_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.start:%Y-%m-%d}"


MAX_CONFIRMATION_HOURS = 24 * 14
# The waiting list's claim links: from a quarter of an hour to two days; at most 20 people
# offered the same freed time at once.
MIN_WAITLIST_OFFER_MINUTES = 15
MAX_WAITLIST_OFFER_MINUTES = 48 * 60
MAX_WAITLIST_OFFERS_PER_SLOT = 20


# Booking-abuse limits a manager tunes (citas.booking.abuse and .challenge): a client's upcoming
# online appointments, and the practice's online bookings per hour before everyone solves the
# anti-spam check and before online booking pauses. New practices start from the environment's
# values (BOOKING_MAX_UPCOMING_PER_CLIENT, BOOKING_CHALLENGE_PRACTICE_AFTER_BOOKINGS,
# BOOKING_MAX_ONLINE_PER_PRACTICE_HOUR), brought into these ranges.
MAX_UPCOMING_PER_CLIENT = 100
MAX_ONLINE_BOOKINGS_PER_HOUR = 10_000


def _within(value: int, most: int) -> int:
    return min(max(value, 1), most)


def default_max_upcoming_per_client() -> int:
    return _within(settings.BOOKING_MAX_UPCOMING_PER_CLIENT, MAX_UPCOMING_PER_CLIENT)


def default_challenge_after_bookings_hour() -> int:
    return _within(settings.BOOKING_CHALLENGE_PRACTICE_AFTER_BOOKINGS, MAX_ONLINE_BOOKINGS_PER_HOUR)


def default_max_online_bookings_hour() -> int:
    return _within(settings.BOOKING_MAX_ONLINE_PER_PRACTICE_HOUR, MAX_ONLINE_BOOKINGS_PER_HOUR)


class NoShowAction(models.TextChoices):
    APPROVAL = "approval", _("Online bookings need approval")
    REFUSE = "refuse", _("Online bookings are refused (call the practice)")


class BookingPolicy(BaseModel):
    """How far ahead and how close to the moment clients may book."""

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, related_name="booking_policy"
    )
    min_notice_minutes = models.PositiveIntegerField(
        _("minimum notice (minutes)"),
        default=120,
        validators=[MaxValueValidator(60 * 24 * 30)],
        help_text=_("Clients cannot book a slot that starts sooner than this."),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HORIZON_DAYS)],
        help_text=_("How many days ahead clients can book (at most two years)."),
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        _("slot step (minutes)"),
        default=15,
        validators=[MaxValueValidator(720)],
        help_text=_("Distance between offered start times; 0 uses each service's duration."),
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(
        _("cancellation window (hours)"),
        default=24,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("Clients can cancel online up to this many hours before the appointment."),
    )
    approval_required = models.BooleanField(
        _("bookings need approval"),
        default=False,
        help_text=_(
            "New online bookings stay pending until someone of the practice confirms them."
        ),
    )
    email_check_required = models.BooleanField(
        _("online bookings need the client to confirm their email"),
        default=False,
        help_text=_(
            "The time is held and the client gets an email with a link to confirm the booking. "
            "Until they do, nothing is sent to them or to the practice; unconfirmed bookings "
            "are released when the time below runs out. Clients logged in with a verified "
            "email skip this step."
        ),
    )
    email_check_minutes = models.PositiveSmallIntegerField(
        _("time to confirm the email (minutes)"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
        help_text=_("From 5 minutes to 24 hours."),
    )
    complete_past_appointments = models.BooleanField(
        _("complete past appointments automatically"),
        default=False,
        help_text=_(
            "Confirmed appointments are marked as completed once they end. Otherwise they "
            "wait for you to close them (completed or no-show)."
        ),
    )

    confirmation_request_hours = models.PositiveSmallIntegerField(
        _("ask clients to confirm (hours before)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CONFIRMATION_HOURS)],
        help_text=_(
            "Clients get a message with “I'll be there” and “I can't come” this many hours "
            "before. Empty: don't ask."
        ),
    )
    release_unconfirmed_hours = models.PositiveSmallIntegerField(
        _("release unconfirmed appointments (hours before)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CONFIRMATION_HOURS)],
        help_text=_(
            "Appointments still unconfirmed this many hours before are cancelled and the client "
            "is told. Empty: never release."
        ),
    )
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows allowed"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("After this many no-shows a client can no longer book online freely."),
    )
    no_show_action = models.CharField(
        _("then"),
        max_length=16,
        choices=NoShowAction.choices,
        default=NoShowAction.APPROVAL,
    )
    waitlist_offer_valid_minutes = models.PositiveSmallIntegerField(
        _("waiting list: offer valid for (minutes)"),
        default=120,
        validators=[
            MinValueValidator(MIN_WAITLIST_OFFER_MINUTES),
            MaxValueValidator(MAX_WAITLIST_OFFER_MINUTES),
        ],
        help_text=_(
            "How long the claim link of a freed time works. Unclaimed, the time is offered "
            "to the next person on the list."
        ),
    )
    waitlist_offers_per_slot = models.PositiveSmallIntegerField(
        _("waiting list: people offered each freed time"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_WAITLIST_OFFERS_PER_SLOT)],
        help_text=_("They get the offer at once; the first to claim it books it."),
    )
    max_upcoming_per_client = models.PositiveSmallIntegerField(
        _("upcoming appointments per client (online)"),
        default=default_max_upcoming_per_client,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_UPCOMING_PER_CLIENT)],
        help_text=_(
            "The most upcoming appointments one email address can book online. The practice "
            "can always book more for them. From 1 to 100."
        ),
    )
    challenge_after_bookings_hour = models.PositiveIntegerField(
        _("online bookings per hour before everyone gets the anti-spam check"),
        default=default_challenge_after_bookings_hour,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ONLINE_BOOKINGS_PER_HOUR)],
        help_text=_(
            "Past this many bookings in one hour (booking page and API together), every client "
            "must pass the “I'm not a robot” check to book. From 1 to 10,000."
        ),
    )
    max_online_bookings_hour = models.PositiveIntegerField(
        _("online bookings per hour at most"),
        default=default_max_online_bookings_hour,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ONLINE_BOOKINGS_PER_HOUR)],
        help_text=_(
            "Once this many have come in within an hour, online booking pauses and clients are "
            "asked to call the practice. From 1 to 10,000."
        ),
    )

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=MAX_HORIZON_DAYS),
                name="booking_policy_horizon_range",
            ),
            models.CheckConstraint(
                condition=Q(slot_step_minutes__lte=720), name="booking_policy_step_range"
            ),
            models.CheckConstraint(
                condition=Q(
                    waitlist_offer_valid_minutes__gte=MIN_WAITLIST_OFFER_MINUTES,
                    waitlist_offer_valid_minutes__lte=MAX_WAITLIST_OFFER_MINUTES,
                    waitlist_offers_per_slot__gte=1,
                    waitlist_offers_per_slot__lte=MAX_WAITLIST_OFFERS_PER_SLOT,
                ),
                name="booking_policy_waitlist_ranges",
            ),
            models.CheckConstraint(
                condition=Q(
                    max_upcoming_per_client__gte=1,
                    max_upcoming_per_client__lte=MAX_UPCOMING_PER_CLIENT,
                    challenge_after_bookings_hour__gte=1,
                    challenge_after_bookings_hour__lte=MAX_ONLINE_BOOKINGS_PER_HOUR,
                    max_online_bookings_hour__gte=1,
                    max_online_bookings_hour__lte=MAX_ONLINE_BOOKINGS_PER_HOUR,
                ),
                name="booking_policy_abuse_limit_ranges",
            ),
            # Releasing only makes sense after asking: the client must have had the chance.
            models.CheckConstraint(
                condition=Q(release_unconfirmed_hours__isnull=True)
                | Q(confirmation_request_hours__gt=F("release_unconfirmed_hours")),
                name="booking_policy_release_after_request",
            ),
        ]

    def __str__(self) -> str:
        return str(self.practice)


class ScheduleVersion(models.Model):
    """A counter that every change able to alter a practice's free slots increases, in the
    transaction of the change (scheduling.services.schedule_version_bump).

    The cached free slots (scheduling.slot_cache) are keyed by it. It lives in its own row,
    written only by UPDATE … + 1, so that no save() of a stale Practice can move it back to a
    value whose cache entries are out of date.
    """

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, primary_key=True, related_name="schedule_version"
    )
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("schedule version")
        verbose_name_plural = _("schedule versions")

    def __str__(self) -> str:
        return f"{self.practice_id} · {self.version}"

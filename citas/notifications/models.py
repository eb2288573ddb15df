import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from citas.booking.models import Appointment, Client
from citas.core.models import BaseModel
from citas.practices.models import Practice, Professional

MAX_REMINDER_HOURS = 24 * 14


def parse_reminder_offsets(value: str) -> list[int]:
    """ "24,2" → [24, 2]: whole hours before the appointment, largest first, no repeats."""
    hours = set()
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) <= MAX_REMINDER_HOURS:
            raise ValidationError(
                _("“%(value)s” is not a number of hours between 1 and %(max)s."),
                params={"value": part, "max": MAX_REMINDER_HOURS},
            )
        hours.add(int(part))
    return sorted(hours, reverse=True)


def validate_reminder_offsets(value: str) -> None:
    parse_reminder_offsets(value)


class NotificationSettings(BaseModel):
    """How a practice talks to its clients and professionals."""

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, related_name="notification_settings"
    )
    reminder_offsets = models.CharField(
        _("reminders (hours before)"),
        max_length=64,
        default="24,2",
        blank=True,
        validators=[validate_reminder_offsets],
        help_text=_("Comma-separated hours, e.g. 24,2. Leave empty for no reminders."),
    )
    daily_agenda_hour = models.PositiveSmallIntegerField(
        _("daily agenda email at (hour)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(23)],
        help_text=_("Each professional gets the day's appointments at this hour. Empty: off."),
    )
    hide_client_names_in_feed = models.BooleanField(
        _("hide client names in calendar feeds"), default=False
    )
    sms_enabled = models.BooleanField(
        _("text messages"),
        default=False,
        help_text=_("Only to clients who gave a phone number and their consent."),
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.practice)

    @property
    def reminder_hours(self) -> list[int]:
        return parse_reminder_offsets(self.reminder_offsets)


class ClientContactPreference(BaseModel):
    """What a client agreed to receive (kept here so that booking.Client stays lean)."""

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="contact_preference"
    )
    sms_consent = models.BooleanField(_("agrees to text messages"), default=False)
    reminders_unsubscribed_at = models.DateTimeField(
        _("unsubscribed from reminders at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")

    def __str__(self) -> str:
        return str(self.client)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)  # 43 characters


class CalendarFeed(BaseModel):
    """A professional's secret calendar subscription; regenerating replaces the token."""

    professional = models.OneToOneField(
        Professional, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.professional)


class NotificationKind(models.TextChoices):
    REQUEST_RECEIVED = "request_received", _("Request received")
    CONFIRMED = "confirmed", _("Confirmation")
    RESCHEDULED = "rescheduled", _("Time change")
    CANCELLED = "cancelled", _("Cancellation")
    REMINDER = "reminder", _("Reminder")
    CONFIRMATION_REQUEST = "confirmation_request", _("Attendance confirmation request")
    WAITLIST_OFFER = "waitlist_offer", _("Waiting list: a time is free")
    ADDRESS_CHECK = "address_check", _("Booking: confirm your email")
    NEW_LINK = "new_link", _("New link to manage the appointment")
    PRACTICE_NEW_BOOKING = "practice_new_booking", _("New booking (practice)")
    PRACTICE_NEW_REQUEST = "practice_new_request", _("New request (practice)")
    PRACTICE_CANCELLED_BY_CLIENT = "practice_cancelled_by_client", _("Cancelled by client")
    PRACTICE_RESCHEDULED_BY_CLIENT = (
        "practice_rescheduled_by_client",
        _("Time changed by client"),
    )
    DAILY_AGENDA = "daily_agenda", _("Daily agenda")
    WEBHOOK_CREATED = "webhook_created", _("Webhook: appointment created")
    WEBHOOK_CONFIRMED = "webhook_confirmed", _("Webhook: appointment confirmed")
    WEBHOOK_RESCHEDULED = "webhook_rescheduled", _("Webhook: appointment rescheduled")
    WEBHOOK_CANCELLED = "webhook_cancelled", _("Webhook: appointment cancelled")
    WEBHOOK_COMPLETED = "webhook_completed", _("Webhook: appointment completed")
    WEBHOOK_NO_SHOW = "webhook_no_show", _("Webhook: no-show")
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook disabled (practice)")
    FAILURES_DIGEST = "failures_digest", _("Failed notifications (practice)")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    WEBHOOK = "webhook", _("Webhook")


class WebhookEvent(models.TextChoices):
    CREATED = "created", _("Created")
    CONFIRMED = "confirmed", _("Confirmed")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(BaseModel):
    """A URL of the practice that receives signed appointment events (see webhooks.py)."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    # A list of WebhookEvent values; checked by the form, filtered in Python (few rows).
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=64, default=new_webhook_secret)
    is_active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["created_at", "pk"]
        indexes = [
            # webhooks.webhook_deliveries_queue: the practice's active endpoints on every event.
            models.Index(fields=["practice", "is_active"], name="webhook_practice_active"),
        ]

    def __str__(self) -> str:
        return self.url

    def get_events_display(self) -> list[str]:
        return [WebhookEvent(event).label for event in self.events if event in WebhookEvent.values]


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Why the app itself cancelled a pending message: stored in `last_error` as these fixed English
# keys (rows written before stay readable) and shown in the reader's language.
CANCELLED_BECAUSE_APPOINTMENT_CHANGED = "appointment changed"
CANCELLED_BECAUSE_CLIENT_UNSUBSCRIBED = "client unsubscribed"
CANCEL_NOTES = {
    CANCELLED_BECAUSE_APPOINTMENT_CHANGED: _("appointment changed"),
    CANCELLED_BECAUSE_CLIENT_UNSUBSCRIBED: _("client unsubscribed"),
}


class Notification(BaseModel):
    """One message to send. Rows are written in the transaction that changed the appointment
    and sent by the worker; a row is never sent twice (resending creates a new row)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="notifications")
    # Empty for practice-level messages such as the daily agenda.
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.EMAIL
    )
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=8, default="es")
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    # The fencing token of the current lease (delivery.py): a new one on every claim, checked
    # by the UPDATE that renews the lease right before sending and by the one that records the
    # outcome, so that a worker whose lease was taken over can neither send nor overwrite.
    lease_id = models.UUIDField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # A failed row stays failed (it is history); once resent, it no longer needs a person.
    resent_at = models.DateTimeField(_("resent at"), null=True, blank=True)
    # A manager looked at the failure and does not want it resent: it leaves the alert and the
    # daily email, and stays in the log (it can still be resent from there).
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dismissed by"),
    )
    # A snapshot of what the message says (times, names, ICS sequence), so that a message
    # renders as it was meant even when the appointment changes before it goes out.
    payload = models.JSONField(default=dict, blank=True)
    # Webhook deliveries only: where to, and what the receiver answered last.
    webhook = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-due_at", "-pk"]
        constraints = [
            # The same message is never queued twice. Cancelled rows don't count, so that an
            # appointment moved away and back gets its reminders again. Webhook deliveries each
            # carry their own id, and two of them retried in one batch share a due time.
            models.UniqueConstraint(
                fields=["appointment", "kind", "channel", "recipient", "due_at"],
                condition=Q(appointment__isnull=False)
                & ~Q(status="cancelled")
                & ~Q(channel="webhook"),
                name="notification_unique_message",
            ),
            # Practice-level messages (daily agenda): once per recipient and time.
            models.UniqueConstraint(
                fields=["practice", "kind", "channel", "recipient", "due_at"],
                condition=Q(appointment__isnull=True),
                name="notification_unique_practice_message",
            ),
        ]
        indexes = [
            # delivery.notifications_claim: pending rows due now.
            models.Index(fields=["status", "due_at"], name="notification_status_due"),
            # selectors.failed_notification_count: the practice's failures nobody resent or
            # dismissed yet (also failures.failures_digest_schedule).
            models.Index(
                fields=["practice"],
                condition=Q(status="failed", resent_at__isnull=True, dismissed_at__isnull=True),
                name="notification_open_failures",
            ),
            # delivery.notifications_claim: "sending" rows whose lease has run out.
            models.Index(fields=["status", "lease_expires_at"], name="notification_status_lease"),
            # selectors.notifications_for_practice: the practice's log, newest first.
            models.Index(fields=["practice", "-due_at"], name="notification_practice_due"),
            # selectors.webhook_deliveries: one endpoint's delivery log, newest first.
            models.Index(fields=["webhook", "-due_at"], name="notification_webhook_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"

    @property
    def last_error_text(self) -> str:
        """`last_error` for people: the app's own cancel notes translated, errors as received."""
        return str(CANCEL_NOTES.get(self.last_error, self.last_error))

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so that a receiver can drop a duplicate."""
        stamp = f"{self.created_at:%Y%m%d%H%M%S}"
        return f"<notification.{self.pk}.{stamp}@{settings.MESSAGE_ID_DOMAIN}>"


class AttemptOutcome(models.TextChoices):
    IN_FLIGHT = "in_flight", _("In progress")
    SENT = "sent", _("Sent")
    RETRY = "retry", _("Failed, will retry")
    FAILED = "failed", _("Failed")
    INTERRUPTED = "interrupted", _("Interrupted (the worker stopped; may have been delivered)")
    SENT_LEASE_LOST = "sent_lease_lost", _("Sent after its lease ran out")


class DeliveryAttempt(models.Model):
    """One try at handing a notification over, written before the hand-off starts, so that a
    worker that dies mid-send leaves an honest "interrupted" line rather than nothing."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    lease_id = models.UUIDField()
    worker = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_FLIGHT
    )
    error = models.CharField(max_length=200, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.outcome}"


class WorkerHeartbeat(models.Model):
    """When each worker process last ran the sender (shown by /healthz?full)."""

    worker = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.worker

"""The sender: one lease protocol for emails, text messages and webhooks. Run by the worker.

Exactly once comes from the rows, not from the queue.

1. **Claim.** Inside one transaction, a worker locks due rows (FOR UPDATE SKIP LOCKED on
   PostgreSQL; the BEGIN IMMEDIATE write lock on SQLite): pending rows whose time has come, and
   "sending" rows whose lease has run out (their worker died). Each claimed row gets a fresh
   lease: a new `lease_id` (the fencing token) and `lease_expires_at`.
2. **Renew = check, right before sending.** One UPDATE … WHERE pk AND lease_id AND status=sending
   moves the row's lease to now + (send deadline + margin), counts the attempt, and the worker
   writes a DeliveryAttempt ("in flight") in the same transaction. No row updated: another worker
   took the lease over, and this one does not send. The message is rendered after this commit;
   a render slow enough to eat half the margin renews the lease once more before the send.
3. **Send under a hard deadline.** Every channel stops by its deadline whatever the other end
   does (a watchdog closes the socket): NOTIFICATIONS_SEND_DEADLINE for email and SMS (and
   EMAIL_TIMEOUT per SMTP operation), WEBHOOKS_DEADLINE for webhooks (connect + headers + body).
   The lease outlives the deadline by NOTIFICATIONS_LEASE_MARGIN, so a live worker never loses
   the row it is sending, and a dead worker's rows are taken over that many seconds later.
4. **Record, fenced.** The outcome UPDATE has the same WHERE lease_id; the attempt row gets its
   outcome. It is written in the transaction of the next row's step 2 (or alone after the
   batch's last row): one commit per message, and only that row's few statements run between
   a send and that commit. Every message carries a stable id (email Message-ID per
   notification; webhook X-Citas-Webhook-Id per delivery) so that a receiver can drop the rare
   duplicate below.

Failure table: what happens, then [duplicates / losses].

- Two workers race for the same rows: the row lock lets one claim each row. [0 / 0]
- A worker's lease runs out before it reaches a row (a slow batch): another worker claims the
  row; the first one's renew finds a new lease_id and it skips the row. [0 / 0]
- A worker is killed before the send of a row started: the lease runs out, another worker
  sends the row. [0 / 0]
- A worker is killed after the server accepted a message, before the outcome was recorded:
  the attempt shows "interrupted"; the row is sent again after its lease. [1, same id / 0]
- The server accepted but its answer was lost or came after the deadline: counted as a
  failure and retried. [1, same id / 0]
- The server is slow, stalls, drops the connection or refuses: the deadline ends the try;
  retried with backoff, then "failed", which the practice sees and is emailed about. [0 / 0]
- The worker process pauses (stopped, swapped) longer than the margin in the middle of a
  send: another worker may send too; the late outcome is fenced off and logged "sent after
  its lease ran out". [1, same id / 0]
- The database is unreachable: nothing is claimed or recorded; the rows wait. [0 / 0]
- A worker's database connection goes silent inside its claim (the rows locked, the UPDATE
  never arriving): the server ends the session after DB_IDLE_IN_TRANSACTION_TIMEOUT, the
  claim is rolled back and another worker sends the rows. [0 / 0]
- The queue (Redis) is unreachable or an enqueue was lost: the periodic sweep and each
  worker's start pick up the due rows. [0 / 0]

So: exactly once for every failure except a crash, a pause or a lost answer inside the final
hand-off to the server, where the message may go out twice with the same id.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from citas.booking.models import ACTIVE_STATUSES

from .channels import ChannelError, Channels
from .models import (
    AttemptOutcome,
    Channel,
    ClientContactPreference,
    DeliveryAttempt,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from .rendering import RenderError, render_notification
from .webhooks import webhook_record_outcome

logger = logging.getLogger(__name__)

MESSAGE_CHANNELS = (Channel.EMAIL, Channel.SMS)
WEBHOOK_CHANNELS = (Channel.WEBHOOK,)


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    lease_lost: int = 0


def send_deadline(channels) -> float:
    """The longest a single send on these channels can take (seconds)."""
    if tuple(channels) == WEBHOOK_CHANNELS:
        return settings.WEBHOOKS_DEADLINE
    return max(settings.NOTIFICATIONS_SEND_DEADLINE, settings.WEBHOOKS_DEADLINE)


def lease_length(channels) -> timedelta:
    return timedelta(seconds=send_deadline(channels) + settings.NOTIFICATIONS_LEASE_MARGIN)


def backoff(attempts: int) -> timedelta:
    """1, 5, 25, 125… minutes after the first, second, third… failure."""
    return timedelta(minutes=settings.NOTIFICATIONS_RETRY_BASE_MINUTES * 5 ** (attempts - 1))


def _claimable(now: datetime, channels) -> Q:
    return Q(channel__in=channels) & (
        Q(status=NotificationStatus.PENDING, due_at__lte=now)
        | Q(status=NotificationStatus.SENDING, lease_expires_at__lt=now)
    )


def notifications_claim(
    *, now: datetime, batch: int, worker_id: str, channels=MESSAGE_CHANNELS + WEBHOOK_CHANNELS
) -> list[Notification]:
    """Lease up to `batch` due rows to this worker (step 1)."""
    lease_id = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Notification.objects.filter(_claimable(now, channels))
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return []
        Notification.objects.filter(pk__in=ids).update(
            status=NotificationStatus.SENDING,
            lease_id=lease_id,
            lease_expires_at=now + lease_length(channels),
            claimed_at=now,
            claimed_by=worker_id[:64],
        )
        # Whatever a dead worker was sending when it stopped: say so, don't pretend.
        DeliveryAttempt.objects.filter(
            notification_id__in=ids, outcome=AttemptOutcome.IN_FLIGHT
        ).update(outcome=AttemptOutcome.INTERRUPTED, finished_at=now)
    # The endpoint and the appointment are read when each row is sent, so that a change made
    # meanwhile (endpoint disabled, appointment moved) counts; the practice gives only its slug.
    return list(
        Notification.objects.filter(lease_id=lease_id, status=NotificationStatus.SENDING)
        .select_related("practice")
        .order_by("due_at", "pk")
    )


def _renew(notification: Notification, *, now: datetime, lease, **changes) -> bool:
    """Move the lease to now + `lease` if this worker still holds it (the fencing check)."""
    return bool(
        Notification.objects.filter(
            pk=notification.pk, lease_id=notification.lease_id, status=NotificationStatus.SENDING
        ).update(lease_expires_at=now + lease, **changes)
    )


def _begin_attempt(notification: Notification, *, now: datetime, worker_id: str, lease):
    """Step 2: renew the lease if this worker still holds it; None when it was taken over.
    `now` must be read right before this call: the lease must cover the whole send.
    Called inside the sender's transaction (no savepoint of its own: two round trips less)."""
    if not _renew(notification, now=now, lease=lease, attempts=F("attempts") + 1):
        return None
    return DeliveryAttempt.objects.create(
        notification=notification,
        lease_id=notification.lease_id,
        worker=worker_id[:64],
        started_at=now,
    )


def _finish(notification: Notification, attempt, *, outcome: str, now: datetime, **changes):
    """Step 4: record the outcome, fenced by the lease; the attempt row says what happened.
    Called inside the sender's transaction, so both rows are written by one commit."""
    held = Notification.objects.filter(
        pk=notification.pk, lease_id=notification.lease_id, status=NotificationStatus.SENDING
    ).update(lease_id=None, lease_expires_at=None, claimed_by="", **changes)
    if not held and outcome == AttemptOutcome.SENT:
        outcome = AttemptOutcome.SENT_LEASE_LOST
        logger.error("notification %s was sent after its lease ran out", notification.pk)
    if attempt is not None:
        DeliveryAttempt.objects.filter(pk=attempt.pk).update(
            outcome=outcome,
            finished_at=now,
            error=(changes.get("last_error") or "")[:200],
            response_code=changes.get("response_code"),
        )
    return held


def _cancel(notification: Notification, reason: str) -> str:
    Notification.objects.filter(
        pk=notification.pk, lease_id=notification.lease_id, status=NotificationStatus.SENDING
    ).update(
        status=NotificationStatus.CANCELLED,
        last_error=reason,
        lease_id=None,
        lease_expires_at=None,
        claimed_by="",
    )
    return NotificationStatus.CANCELLED


def _moot_reason(notification: Notification, now: datetime) -> str:
    """Why this row must not go out at all any more ("" when it still should)."""
    if notification.channel == Channel.WEBHOOK:
        if notification.webhook is None or not notification.webhook.is_active:
            return "webhook endpoint disabled"
        return ""
    if notification.kind != NotificationKind.REMINDER or notification.appointment_id is None:
        return ""
    appointment = notification.appointment
    if appointment.start <= now:
        return "appointment already started"
    if appointment.status not in ACTIVE_STATUSES or (
        notification.payload.get("start") != appointment.start.isoformat()
        and _parse(notification.payload.get("start")) != appointment.start
    ):
        return "appointment changed"
    unsubscribed = ClientContactPreference.objects.filter(
        client_id=appointment.client_id, reminders_unsubscribed_at__isnull=False
    ).exists()
    return "client unsubscribed from reminders" if unsubscribed else ""


def _parse(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@dataclass
class _Outcome:
    """How one hand-off ended, not yet written: `_Sender` writes it, fenced, in the transaction
    that starts the next row, so that each message costs one commit rather than two."""

    notification: Notification
    attempt: DeliveryAttempt | None
    outcome: str
    now: datetime
    changes: dict
    delivered: bool | None = None  # webhooks only: the endpoint's failure streak

    def record(self) -> None:
        if self.delivered is not None:
            webhook_record_outcome(
                notification=self.notification, delivered=self.delivered, now=self.now
            )
        _finish(self.notification, self.attempt, outcome=self.outcome, now=self.now, **self.changes)


class _Sender:
    """Sends leased rows one after the other. Per row, one transaction writes the previous
    row's outcome (step 4), then checks whether this row should still go out and renews its
    lease (step 2); the send follows the commit. The outcome of the last row is written by
    `flush()`. A crash between a send and the next commit is the hand-off crash of the failure
    table: the row is sent again after its lease, with the same id."""

    def __init__(self, *, worker_id: str, channels: Channels, clock):
        self.worker_id = worker_id
        self.channels = channels
        self.clock = clock
        self.unrecorded: _Outcome | None = None

    def _with_outcome(self, work):
        """Runs `work()` in the transaction that writes the previous row's outcome. The outcome
        is forgotten only once committed: if `work` fails, the next transaction writes it."""
        with transaction.atomic():
            if self.unrecorded is not None:
                self.unrecorded.record()
            result = work()
        self.unrecorded = None
        return result

    def flush(self) -> None:
        if self.unrecorded is not None:
            self._with_outcome(lambda: None)

    def fail(self, notification: Notification, error: Exception) -> None:
        """A bug or a lost database before the hand-off started: the row goes to the log."""
        self._with_outcome(
            lambda: _finish(
                notification,
                None,
                outcome=AttemptOutcome.FAILED,
                now=self.clock(),
                status=NotificationStatus.FAILED,
                last_error=f"internal error: {type(error).__name__}",
            )
        )

    def _start(self, notification: Notification, lease) -> tuple[str, DeliveryAttempt | None]:
        reason = _moot_reason(notification, self.clock())
        if reason:
            return _cancel(notification, reason), None
        attempt = _begin_attempt(
            notification, now=self.clock(), worker_id=self.worker_id, lease=lease
        )
        return ("" if attempt else "lease_lost"), attempt

    def send(self, notification: Notification) -> str:
        """Send one leased row; returns the resulting status. Never raises for a bad message."""
        webhook = notification.channel == Channel.WEBHOOK
        lease = lease_length((notification.channel,))
        skipped, attempt = self._with_outcome(lambda: self._start(notification, lease))
        if skipped:
            return skipped
        renewed = time.monotonic()
        try:
            # A webhook's body is its payload, frozen at event time: nothing to render.
            rendered = None if webhook else render_notification(notification)
            # A slow render (a process's first imports the URLs and compiles templates) ate
            # into the margin: renew again, so that the send starts with its whole deadline
            # ahead, or not at all if another worker took the row meanwhile.
            slow = time.monotonic() - renewed > settings.NOTIFICATIONS_LEASE_MARGIN / 2
            if slow and not _renew(notification, now=self.clock(), lease=lease):
                return "lease_lost"
            response_code = self.channels.get(notification.channel).send(notification, rendered)
        except (RenderError, ChannelError) as error:
            return self._failed(notification, attempt, error)
        except Exception as error:
            # A bug must not stop the batch, nor be retried forever: the row is marked failed
            # and shows in the practice's log, from where it can be resent.
            logger.exception("notification %s crashed the sender", notification.pk)
            failure = ChannelError(f"internal error: {type(error).__name__}", permanent=True)
            return self._failed(notification, attempt, failure)
        finished = self.clock()
        self.unrecorded = _Outcome(
            notification,
            attempt,
            AttemptOutcome.SENT,
            finished,
            {
                "status": NotificationStatus.SENT,
                "sent_at": finished,
                "last_error": "",
                "response_code": response_code,
            },
            delivered=True if webhook else None,
        )
        return NotificationStatus.SENT

    def _failed(self, notification: Notification, attempt, error) -> str:
        now = self.clock()
        attempts = notification.attempts + 1
        permanent = isinstance(error, RenderError) or error.permanent
        changes = {"last_error": str(error), "response_code": getattr(error, "response_code", None)}
        if permanent or attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
            logger.warning("notification %s failed: %s", notification.pk, error)
            outcome, status = AttemptOutcome.FAILED, NotificationStatus.FAILED
        else:
            outcome, status = AttemptOutcome.RETRY, NotificationStatus.PENDING
            changes["due_at"] = now + backoff(attempts)
        self.unrecorded = _Outcome(
            notification,
            attempt,
            outcome,
            now,
            {"status": status, **changes},
            delivered=False if notification.channel == Channel.WEBHOOK else None,
        )
        return status


def notification_send(
    notification: Notification,
    *,
    now: datetime,
    worker_id: str,
    channels: Channels,
    clock=None,
) -> str:
    """Send one leased row and record the outcome; returns the resulting status.
    `clock()` gives the time when the lease is renewed and the attempt ends (default: `now`)."""
    sender = _Sender(worker_id=worker_id, channels=channels, clock=clock or (lambda: now))
    try:
        return sender.send(notification)
    finally:
        sender.flush()


def notifications_send_due(
    *,
    now: datetime | None = None,
    batch: int = 100,
    worker_id: str = "worker",
    channels=MESSAGE_CHANNELS + WEBHOOK_CHANNELS,
) -> SendReport:
    """Claim one batch and send it. Each send reads the clock when it starts (its lease runs
    from then); tests pass a fixed `now` instead."""

    def clock() -> datetime:
        return now or timezone.now()

    claimed = notifications_claim(now=clock(), batch=batch, worker_id=worker_id, channels=channels)
    report = SendReport(claimed=len(claimed))
    open_channels = Channels()
    sender = _Sender(worker_id=worker_id, channels=open_channels, clock=clock)
    try:
        _send_all(claimed, report, sender)
    finally:
        try:
            sender.flush()
        finally:
            # After the last outcome is written: closing may wait for a server that stalls.
            open_channels.close()
    return report


def _send_all(claimed, report: SendReport, sender: _Sender) -> None:
    for notification in claimed:
        try:
            outcome = sender.send(notification)
        except Exception as error:
            logger.exception("notification %s crashed the sender", notification.pk)
            sender.fail(notification, error)
            report.failed += 1
            continue
        if outcome == NotificationStatus.SENT:
            report.sent += 1
        elif outcome == NotificationStatus.PENDING:
            report.retried += 1
        elif outcome == NotificationStatus.FAILED:
            report.failed += 1
        elif outcome == "lease_lost":
            report.lease_lost += 1
        else:
            report.skipped += 1


def next_lease_expiry(*, channels) -> datetime | None:
    """When the earliest lease held on these channels runs out (to come back for it then)."""
    return Notification.objects.filter(
        channel__in=channels, status=NotificationStatus.SENDING
    ).aggregate(first=Min("lease_expires_at"))["first"]

"""What /healthz reports about the sender: worker heartbeats and the oldest due message."""

from datetime import datetime

from django.db.models import Max, Min

from .models import Notification, NotificationStatus, WorkerHeartbeat


def worker_heartbeat(*, worker: str, now: datetime) -> None:
    """The worker process is alive (one row per host and process)."""
    process = worker.rsplit(":", 1)[0] if worker.count(":") >= 2 else worker
    WorkerHeartbeat.objects.update_or_create(worker=process[:64], defaults={"seen_at": now})


def last_worker_heartbeat() -> datetime | None:
    return WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]


def oldest_due_notification(*, now: datetime) -> datetime | None:
    """When the longest-waiting message that should have gone out by now was due."""
    return Notification.objects.filter(
        status__in=[NotificationStatus.PENDING, NotificationStatus.SENDING], due_at__lte=now
    ).aggregate(first=Min("due_at"))["first"]

"""The daily retention job: thin, idempotent (see erasure.retention_apply)."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .erasure import retention_apply_all

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="17"))
@lock_task("privacy-retention")
def apply_retention() -> None:
    for report in retention_apply_all(now=timezone.now()):
        logger.info("retention applied: %s", report.as_dict())

"""A sender process for fault tests: `python -m citas.notifications.tests.worker_process NAME
BATCH` sends due notifications until killed, like one Huey worker thread would."""

import os
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from citas.notifications.delivery import MESSAGE_CHANNELS, notifications_send_due

    name, batch = sys.argv[1], int(sys.argv[2])
    while True:
        report = notifications_send_due(batch=batch, worker_id=name, channels=MESSAGE_CHANNELS)
        if not report.claimed:
            time.sleep(0.2)


if __name__ == "__main__":
    main()

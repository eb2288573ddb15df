"""Email backends the tests plug in through settings.EMAIL_BACKEND."""

import smtplib
import threading

from django.core.mail.backends.base import BaseEmailBackend


class FlakySMTPBackend(BaseEmailBackend):
    """Raises like a mail server that is down while `down` is set; records what it accepts."""

    down = True
    sent: list = []

    def send_messages(self, email_messages):
        if FlakySMTPBackend.down:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        FlakySMTPBackend.sent.extend(email_messages)
        return len(email_messages)


class RecordingBackend(BaseEmailBackend):
    """Thread- and connection-safe count of recipients, for the exactly-once tests."""

    lock = threading.Lock()
    recipients: list[str] = []

    def send_messages(self, email_messages):
        with RecordingBackend.lock:
            for message in email_messages:
                RecordingBackend.recipients.extend(message.to)
        return len(email_messages)

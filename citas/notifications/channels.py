"""Ways a message leaves the building. `Channel.send(notification, rendered)` either returns
(the message was handed over) or raises ChannelError (`permanent=True`: retrying won't help)."""

import abc
import base64
import contextlib
import http.client
import json
import logging
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.utils.module_loading import import_string

from citas.core.http import DestinationRefused, Watchdog, pinned_request, shutdown

from .models import Channel as ChannelName
from .webhooks import body_bytes, signature_header

logger = logging.getLogger(__name__)


class ChannelError(Exception):
    def __init__(self, message: str, *, permanent: bool = False, response_code=None):
        super().__init__(message)
        self.permanent = permanent
        self.response_code = response_code


class Channel(abc.ABC):
    @abc.abstractmethod
    def send(self, notification, rendered) -> int | None:
        """Returns the receiver's response code where there is one (webhooks)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Releases what the channel kept open for a batch (an SMTP session…)."""


class EmailChannel(Channel):
    """Django's email API: SMTP by default, anymail (Amazon SES…) when EMAIL_BACKEND says so.

    Keeps one connection (one SMTP session) for all the messages of a batch; after an error
    the connection is closed, so that the next message starts a fresh session."""

    def __init__(self):
        self.connection = get_connection()

    def close(self) -> None:
        self.connection.close()

    def _abort(self) -> None:
        smtp = getattr(self.connection, "connection", None)
        shutdown(getattr(smtp, "sock", None))

    def send(self, notification, rendered) -> None:
        try:
            validate_email(notification.recipient)
        except ValidationError as error:
            raise ChannelError(
                f"invalid email address: {notification.recipient!r}", permanent=True
            ) from error
        message = EmailMultiAlternatives(
            rendered.subject,
            rendered.text,
            rendered.from_email,
            [notification.recipient],
            connection=self.connection,
            headers={"Message-ID": notification.message_id},
        )
        if rendered.html:
            message.attach_alternative(rendered.html, "text/html")
        for attachment in rendered.attachments:
            message.attach(*attachment)
        try:
            with Watchdog(settings.NOTIFICATIONS_SEND_DEADLINE, self._abort):
                self.connection.open()
                message.send()
        except smtplib.SMTPRecipientsRefused as error:
            # 5xx: the address is wrong; 4xx (greylisting, a full mailbox): try again later.
            codes = [code for code, _message in error.recipients.values()]
            permanent = all(code >= 500 for code in codes)
            raise ChannelError(f"recipient refused: {error}", permanent=permanent) from error
        except Exception as error:  # SMTP, socket, anymail…: each backend has its own errors
            with contextlib.suppress(Exception):
                self.connection.close()
            raise ChannelError(f"{type(error).__name__}: {error}") from error


class ConsoleSmsBackend:
    """Development default: the text message goes to the log."""

    def send(self, *, to: str, body: str) -> None:
        # Phone numbers and message texts are personal data: at INFO only the fact and length.
        logger.info("SMS sent (%d characters)", len(body))
        logger.debug("SMS to %s: %s", to, body)


class TwilioSmsBackend:
    """Twilio's Messages REST API with the standard library. `transport(request) -> bytes`
    can be replaced (tests pass a fake; nothing real is called there)."""

    def __init__(self, transport=None):
        self.account_sid = settings.TWILIO_ACCOUNT_SID
        self.auth_token = settings.TWILIO_AUTH_TOKEN
        self.sender = settings.TWILIO_FROM_NUMBER
        self.transport = transport or type(self)._urlopen

    @staticmethod
    def _urlopen(request) -> bytes:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 — fixed https URL
            return response.read()

    def send(self, *, to: str, body: str) -> None:
        if not (self.account_sid and self.auth_token and self.sender):
            raise ChannelError("Twilio is not configured (TWILIO_* settings)", permanent=True)
        url = f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 — fixed https URL
            url, data=data, headers={"Authorization": f"Basic {credentials}"}, method="POST"
        )
        try:
            answer = json.loads(self.transport(request) or b"{}")
        except urllib.error.HTTPError as error:
            # 4xx: the number or the request is wrong; 5xx and 429: try again later.
            permanent = 400 <= error.code < 500 and error.code != 429
            raise ChannelError(f"Twilio HTTP {error.code}", permanent=permanent) from error
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise ChannelError(f"Twilio: {error}") from error
        if answer.get("error_code"):
            raise ChannelError(f"Twilio error {answer['error_code']}", permanent=True)


class SmsChannel(Channel):
    def __init__(self, backend=None):
        self.backend = backend or import_string(settings.SMS_BACKEND)()

    def close(self) -> None:
        """Nothing held between messages."""

    def send(self, notification, rendered) -> None:
        digits = notification.recipient.replace(" ", "")
        if not (digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) <= 16):
            raise ChannelError(
                f"invalid phone number: {notification.recipient!r} (use +34…)", permanent=True
            )
        self.backend.send(to=digits, body=rendered.text)


def webhook_post(url: str, body: bytes, headers: dict, *, deadline: float) -> int:
    """POST within `deadline` seconds in all (connect + headers + body); the status code.
    Raises DestinationRefused, OSError (timeouts included) or http.client.HTTPException."""
    response = pinned_request(
        "POST",
        url,
        headers=headers,
        body=body,
        deadline=time.monotonic() + deadline,
        max_bytes=64 * 1024,
        truncate=True,
    )
    return response.status


def webhook_error_class(error: Exception) -> str:
    """What a manager may see: a class of failure, nothing that maps internal ports."""
    if isinstance(error, DestinationRefused):
        return "destination not allowed"
    if isinstance(error, socket.gaierror):
        return "name lookup failed"
    if isinstance(error, ssl.SSLError | ssl.CertificateError):
        return "TLS error"
    if isinstance(error, TimeoutError | socket.timeout):
        return "timed out"
    return "connection failed"


class WebhookChannel(Channel):
    """POST the frozen JSON body, signed with the endpoint's current secret."""

    def close(self) -> None:
        """Nothing held between messages."""

    def send(self, notification, rendered) -> int:
        endpoint = notification.webhook
        body = body_bytes(notification.payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Citas-Webhooks/1",
            "X-Citas-Webhook-Id": notification.payload.get("id", ""),
            "X-Citas-Webhook-Timestamp": str(timestamp),
            "X-Citas-Signature": signature_header(endpoint.secret, timestamp, body),
        }
        try:
            status = webhook_post(endpoint.url, body, headers, deadline=settings.WEBHOOKS_DEADLINE)
        except DestinationRefused as error:
            logger.warning("webhook %s refused: %s", endpoint.pk, error)
            raise ChannelError(webhook_error_class(error), permanent=True) from error
        except (OSError, http.client.HTTPException, ValueError) as error:
            # A 3xx is not followed: the endpoint must answer itself.
            logger.info("webhook %s: %s: %s", endpoint.pk, type(error).__name__, error)
            raise ChannelError(webhook_error_class(error)) from error
        if not 200 <= status < 300:
            raise ChannelError(f"HTTP {status}", response_code=status)
        return status


CHANNEL_CLASSES = {ChannelName.SMS: SmsChannel, ChannelName.WEBHOOK: WebhookChannel}


class Channels:
    """The channels of one batch, created when first needed and closed at the end."""

    def __init__(self):
        self.open: dict[str, Channel] = {}

    def get(self, name: str) -> Channel:
        if name not in self.open:
            self.open[name] = CHANNEL_CLASSES.get(name, EmailChannel)()
        return self.open[name]

    def close(self) -> None:
        for channel in self.open.values():
            with contextlib.suppress(Exception):
                channel.close()

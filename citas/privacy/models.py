"""Data protection records: the practice's settings and privacy notices, consents given and
withdrawn, erasure requests and the audit log."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from citas.booking.models import Client
from citas.core.models import BaseModel
from citas.practices.models import Practice


class PrivacySettings(BaseModel):
    """Retention periods and data-minimisation choices of one practice."""

    practice = models.OneToOneField(
        Practice, on_delete=models.CASCADE, related_name="privacy_settings"
    )
    inactive_client_years = models.PositiveSmallIntegerField(
        _("anonymise clients without appointments for (years)"), default=5
    )
    notification_body_months = models.PositiveSmallIntegerField(
        _("keep the contents of sent messages for (months)"), default=12
    )
    audit_log_months = models.PositiveSmallIntegerField(
        _("keep the audit log for (months)"), default=24
    )
    blocked_data_years = models.PositiveSmallIntegerField(
        _("keep blocked data for legal claims for (years)"), default=3
    )
    reception_sees_notes = models.BooleanField(_("reception sees client notes"), default=False)
    feed_shows_names = models.BooleanField(
        _("calendar subscriptions show client names"),
        default=False,
        help_text=_("Otherwise they show the client's initials."),
    )
    marketing_consent_offered = models.BooleanField(
        _("ask for consent to send news and offers"), default=False
    )

    class Meta:
        verbose_name = _("privacy settings")
        verbose_name_plural = _("privacy settings")

    def __str__(self) -> str:
        return str(self.practice)


# PrivacySettings fields that the notice's text states: a change to one publishes a new version.
NOTICE_TERMS = (
    "inactive_client_years",
    "notification_body_months",
    "blocked_data_years",
    "marketing_consent_offered",
)


class PrivacyNotice(models.Model):
    """One version of a practice's privacy notice. Never edited: a change is a new version,
    so that each consent points at the exact text the client saw."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="notices")
    version = models.PositiveIntegerField(_("version"))
    controller_name = models.CharField(_("data controller"), max_length=200)
    controller_tax_id = models.CharField(_("tax id (NIF/CIF)"), max_length=20, blank=True)
    controller_address = models.CharField(_("address"), max_length=255, blank=True)
    controller_email = models.EmailField(_("contact email"))
    dpo_contact = models.CharField(
        _("data protection officer (DPO)"),
        max_length=255,
        blank=True,
        help_text=_("Name and email, if the practice has appointed one."),
    )
    processors = models.CharField(
        _("processors"),
        max_length=500,
        blank=True,
        help_text=_("Providers that handle data for you, e.g. email and SMS services, hosting."),
    )
    extra_es = models.TextField(_("additional information (Spanish)"), blank=True)
    extra_en = models.TextField(_("additional information (English)"), blank=True)
    # The terms the notice states, copied from PrivacySettings when the version is published, so
    # that an old version keeps saying what the client read (see NOTICE_TERMS).
    inactive_client_years = models.PositiveSmallIntegerField(
        _("anonymise clients without appointments for (years)"), default=5
    )
    notification_body_months = models.PositiveSmallIntegerField(
        _("keep the contents of sent messages for (months)"), default=12
    )
    blocked_data_years = models.PositiveSmallIntegerField(
        _("keep blocked data for legal claims for (years)"), default=3
    )
    marketing_consent_offered = models.BooleanField(
        _("ask for consent to send news and offers"), default=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["practice", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "version"], name="notice_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.practice} v{self.version}"


class ConsentPurpose(models.TextChoices):
    APPOINTMENTS = "appointments", _("Data processing to manage appointments")
    SMS = "sms", _("Reminders by SMS")
    MARKETING = "marketing", _("News and offers")


class ConsentChannel(models.TextChoices):
    BOOKING_PAGE = "booking_page", _("Booking page")
    API = "api", _("API")
    STAFF = "staff", _("Staff (phone or in person)")
    CLIENT_ACCOUNT = "client_account", _("Client account")


class ConsentRecord(models.Model):
    """One acceptance or withdrawal, never overwritten."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    notice = models.ForeignKey(
        PrivacyNotice, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    channel = models.CharField(_("channel"), max_length=16, choices=ConsentChannel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # selectors.client_consents: a client's consent history, newest first.
            models.Index(fields=["client", "-created_at"], name="consent_client_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.granted} · {self.client_id}"


class ErasureRequest(models.Model):
    """A client's request to erase their data, which the practice confirms within a month."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="erasure_requests")
    requested_at = models.DateTimeField(_("requested at"))
    due_at = models.DateTimeField(_("answer due by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(confirmed_at__isnull=True),
                name="erasure_one_open_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} · {self.due_at:%Y-%m-%d}"


class AuditAction(models.TextChoices):
    CLIENT_VIEWED = "client_viewed", _("Viewed a client")
    CLIENT_EXPORTED = "client_exported", _("Exported a client's data")
    CLIENT_CHANGED = "client_changed", _("Changed a client")
    CLIENT_MERGED = "client_merged", _("Merged two clients")
    CLIENT_BLOCKED = "client_blocked", _("Blocked a client (erasure)")
    CLIENT_ANONYMISED = "client_anonymised", _("Anonymised a client")
    BLOCKED_DATA_VIEWED = "blocked_viewed", _("Viewed blocked data")
    CONSENT_CHANGED = "consent_changed", _("Recorded a consent")
    ERASURE_REQUESTED = "erasure_requested", _("Requested erasure")
    ROLE_CHANGED = "role_changed", _("Changed a role")
    MEMBER_REMOVED = "member_removed", _("Removed a member")
    INVITATION_SENT = "invitation_sent", _("Sent an invitation")
    INVITATION_REVOKED = "invitation_revoked", _("Revoked an invitation")
    TOKEN_CREATED = "token_created", _("Created an API token")
    TOKEN_REVOKED = "token_revoked", _("Revoked an API token")
    WEBHOOK_CHANGED = "webhook_changed", _("Changed a webhook")
    SETTINGS_CHANGED = "settings_changed", _("Changed practice settings")
    NOTICE_PUBLISHED = "notice_published", _("Published a privacy notice")
    RETENTION_APPLIED = "retention_applied", _("Applied the retention periods")
    NOTIFICATION_DISMISSED = "notification_dismissed", _("Dismissed failed notifications")
    NOTIFICATION_RESTORED = "notification_restored", _("Restored a dismissed notification")
    LINK_RENEWED = "link_renewed", _("Issued a new client link")


class AuditEntry(models.Model):
    """Who did what to which record, from where. Written only by `audit_record`."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The actor's email when it happened: the account may be deleted later.
    actor_label = models.CharField(_("who"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=24, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # selectors.audit_entries: a practice's log, newest first, optionally by action.
            models.Index(fields=["practice", "-created_at"], name="audit_practice_created"),
            # anonymisation: the entries about one client.
            models.Index(fields=["practice", "object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

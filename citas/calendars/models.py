from urllib.parse import urlsplit

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from citas.core.models import BaseModel
from citas.practices.models import Practice, Professional


class SyncProblem(models.TextChoices):
    """What went wrong at the last sync, as a class: never the raw network error, which could
    tell a curious user about the machine's network."""

    ADDRESS = "address", _("The address is not a public calendar address.")
    NETWORK = "network", _("The calendar server could not be reached.")
    TIMEOUT = "timeout", _("The calendar server took too long to answer.")
    TOO_LARGE = "too_large", _("The calendar is too large.")
    HTTP = "http", _("The calendar server refused the request.")
    FORMAT = "format", _("The address does not return a calendar (iCalendar) file.")


class CalDAVAccount(BaseModel):
    """A professional's CalDAV account (Nextcloud, iCloud, Fastmail, Radicale…): some of its
    calendars block bookable time, and the professional's appointments are written into one."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="caldav_accounts")
    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, related_name="caldav_accounts"
    )
    url = models.TextField(_("CalDAV address"))
    username = models.CharField(_("user name"), max_length=200)
    # The app password, encrypted with CALENDAR_CREDENTIALS_KEY (see citas/calendars/secrets.py).
    secret = models.TextField()
    calendars_found = models.JSONField(default=list, blank=True)
    write_calendar_url = models.TextField(_("calendar for my appointments"), blank=True)
    problem = models.CharField(_("problem"), max_length=16, choices=SyncProblem.choices, blank=True)

    class Meta:
        verbose_name = _("CalDAV account")
        verbose_name_plural = _("CalDAV accounts")
        ordering = ["professional_id", "pk"]

    def __str__(self) -> str:
        return f"{self.username} @ {self.host}"

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


class ExternalCalendar(BaseModel):
    """A calendar of the professional's own (Google, Outlook, iCloud…), read by its secret
    iCalendar address: its events block bookable time and are never shown to clients."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="external_calendars"
    )
    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, related_name="external_calendars"
    )
    # Set for a calendar read over CalDAV (url is then its collection); empty for an address.
    account = models.ForeignKey(
        CalDAVAccount, on_delete=models.CASCADE, null=True, blank=True, related_name="calendars"
    )
    name = models.CharField(_("name"), max_length=80)
    url = models.TextField(_("iCalendar address"))
    share_titles = models.BooleanField(
        _("show event titles to the practice"),
        default=False,
        help_text=_("Otherwise the agenda shows them as “Busy”. Clients never see them."),
    )
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    # SHA-256 of the last file read: the same file again is not parsed again.
    content_hash = models.CharField(max_length=64, blank=True)
    # CalDAV (RFC 6578): where the last sync-collection report left off; empty when the
    # server has none, or before the first sync.
    sync_token = models.TextField(blank=True)
    # CalDAV: the stored events are all those before this time (the first read asks for a
    # time range, not the whole calendar); past it, the range is read again.
    objects_until = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last successful sync"), null=True, blank=True)
    problem = models.CharField(_("problem"), max_length=16, choices=SyncProblem.choices, blank=True)
    busy_count = models.PositiveIntegerField(_("busy periods"), default=0)
    # The sync lease (tasks.py): set by the worker that syncs the calendar, so that no other
    # worker syncs it at the same time; it runs out by itself when that worker dies. The id
    # fences the worker's writes: one whose lease was taken over stores nothing.
    sync_lease_id = models.UUIDField(null=True, blank=True)
    sync_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("external calendar")
        verbose_name_plural = _("external calendars")
        ordering = ["professional_id", "name", "pk"]
        indexes = [
            # calendars_due: the calendars not checked for the longest time.
            models.Index(fields=["checked_at"], name="external_calendar_checked"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def host(self) -> str:
        """Enough of the address to recognise it; the rest is the professional's secret."""
        return urlsplit(self.url).hostname or ""


class ExternalBusy(models.Model):
    """One busy period of an external calendar within the booking horizon, in UTC."""

    calendar = models.ForeignKey(ExternalCalendar, on_delete=models.CASCADE, related_name="busy")
    professional = models.ForeignKey(
        Professional, on_delete=models.CASCADE, related_name="external_busy"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    title = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("external busy period")
        verbose_name_plural = _("external busy periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="external_busy_start_before_end"
            ),
        ]
        indexes = [
            # availability_for, check_free_slot and the agenda: a professional's busy periods
            # overlapping a window.
            models.Index(fields=["professional", "start"], name="external_busy_prof_start"),
        ]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class WrittenEvent(models.Model):
    """An appointment's event written into an account's calendar: where to remove it from when
    the appointment moves to another professional, is cancelled, or the calendar changes."""

    account = models.ForeignKey(CalDAVAccount, on_delete=models.CASCADE, related_name="written")
    appointment_id = models.BigIntegerField()
    calendar_url = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "appointment_id"], name="written_event_once_per_account"
            ),
        ]
        indexes = [
            # appointment_push: where one appointment was written.
            models.Index(fields=["appointment_id"], name="written_event_appointment"),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} → {self.account_id}"


class CalDAVObject(models.Model):
    """One event resource of a CalDAV calendar read by sync-collection, as the server last sent
    it: a sync fetches only what changed and expands the whole calendar from these rows."""

    calendar = models.ForeignKey(
        ExternalCalendar, on_delete=models.CASCADE, related_name="caldav_objects"
    )
    href = models.TextField()
    data = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calendar", "href"], name="caldav_object_once"),
        ]

    def __str__(self) -> str:
        return self.href

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "citas.calendars"
    verbose_name = _("External calendars")

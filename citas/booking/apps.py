from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "citas.booking"
    label = "booking"
    verbose_name = _("Bookings")

    def ready(self) -> None:
        from .agenda_cache import connect_signals

        connect_signals()

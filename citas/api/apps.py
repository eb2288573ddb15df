from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "citas.api"
    verbose_name = _("API")

    def ready(self):
        # Registers the Bearer token scheme with drf-spectacular.
        from . import schema  # noqa: F401

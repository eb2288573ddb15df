from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "citas.core"
    label = "core"

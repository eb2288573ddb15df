"""The interface languages, each named in itself for the language menus."""

from django.conf import settings

# Django's own table names Basque "Basque" in itself; these are the names a speaker reads.
LOCAL_NAMES = {"es": "Español", "en": "English", "ca": "Català", "eu": "Euskara", "gl": "Galego"}


def language_choices() -> list[tuple[str, str]]:
    """(code, name in that language) for every language in settings.LANGUAGES."""
    return [(code, LOCAL_NAMES.get(code, code)) for code, _name in settings.LANGUAGES]


def is_supported(code: str) -> bool:
    return code in dict(settings.LANGUAGES)

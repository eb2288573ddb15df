"""Static files storage: WhiteNoise's compressed manifest storage, with each file's URL
remembered per process."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """`url()` looks the hashed name up in the manifest, then joins, quotes and unquotes it
    (~20 µs); a staff page asks for some twenty URLs (stylesheets, scripts, the icon sprite
    once per icon). The answer depends only on the name, the manifest (read once, when the
    storage is made), STATIC_URL (fixed for the storage's life: Django makes a new storage
    when the setting changes) and DEBUG, so it is remembered by name and DEBUG. collectstatic
    rewrites the manifest in post_process: the remembered URLs are dropped around it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        key = (name, settings.DEBUG)
        try:
            return self._urls[key]
        except KeyError:
            url = self._urls[key] = super().url(name)
            return url

    def post_process(self, *args, **kwargs):
        self._urls.clear()
        try:
            yield from super().post_process(*args, **kwargs)
        finally:
            self._urls.clear()

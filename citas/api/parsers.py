from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from citas.core.jsonbody import MAX_BYTES, MAX_DEPTH, JsonBodyError, load_json

from .exceptions import PayloadTooLarge


class BoundedJSONParser(JSONParser):
    """JSON read through `load_json`: size and nesting are capped before decoding (DRF reads
    the raw stream, which bypasses the check Django makes on request.body)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        if request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > MAX_BYTES:
                raise PayloadTooLarge
        raw = stream.read(MAX_BYTES + 1) if stream is not None else b""
        try:
            return load_json(raw)
        except JsonBodyError as error:
            if error.code == "too_large":
                raise PayloadTooLarge from error
            raise ParseError(
                _(
                    "The body must be JSON in UTF-8, nested at most %(depth)d levels deep, "
                    "without NUL characters."
                )
                % {"depth": MAX_DEPTH}
            ) from error

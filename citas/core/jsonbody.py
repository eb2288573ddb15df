"""JSON request bodies read with limits, before the parser sees them.

`json.loads` recurses once per nesting level: 100,000 `[` raise RecursionError (a 500), and a
huge body costs memory before any check. `load_json` refuses both first; every JSON endpoint
(the API's parser, the agenda's move and resize) reads through it.
"""

import json

MAX_BYTES = 256 * 1024
MAX_DEPTH = 32


class JsonBodyError(ValueError):
    """`too_large` (answer 413) or `invalid` (answer 400)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def load_json(raw: bytes, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH):
    """The decoded body; JsonBodyError when it is too large, too deep or not JSON."""
    if len(raw) > max_bytes:
        raise JsonBodyError("too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonBodyError("invalid") from exc
    if nesting_depth(text) > max_depth:
        raise JsonBodyError("invalid")
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise JsonBodyError("invalid") from exc
    if not _storable(value):
        raise JsonBodyError("invalid")
    return value


def _storable(value) -> bool:
    """No NUL character and no lone surrogate (`"\\ud800"`) in any key or string: neither can
    be stored as text (PostgreSQL refuses both)."""
    if isinstance(value, str):
        return _encodable(value)
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    return True


def _encodable(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_json_body(request):
    """A Django request's JSON body through `load_json` (an empty body is `{}`); the declared
    length is checked before anything is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BYTES:
        raise JsonBodyError("too_large")
    return load_json(request.body or b"{}")

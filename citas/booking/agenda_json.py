"""The agenda feed's appointment events, built as JSON by PostgreSQL itself.

A busy week holds hundreds of appointments; turning each row into Python values, a dict and
then JSON cost about 0.1 ms per event, most of the feed's time. On PostgreSQL the same rows
(the same queryset, so the same filters and practice) are formatted by the database, and Python
only passes the text on. The Python path (`staff_views._event`) stays for SQLite and is the
reference: a test compares both on PostgreSQL, event by event.

Per row the database does as little as it can: each instant is turned into wall-clock text once
(the title's time is cut from the start's text), and what depends only on the professional's
colour or on the status (classes, editability, label, the title's marks) is a JSON fragment
written once here in Python and looked up by key. Both sets of fragments are kept for the life
of the process (a colour's text colour and a status's fragment never change; the status ones per
language): the colours are learnt from the rows themselves (the query also returns the colours
it found no fragment for, and runs once more with them), so no query reads the professionals'
colours first. The label of the repeated autumn hour is a
CASE over the few instants of the range, present only when the range has such an hour. The text
is the one `json_agg(json_build_object(...))` gave, byte for byte.
"""

import json
from functools import lru_cache
from itertools import product

from django.db import connection
from django.db.models import QuerySet

from citas.core.colors import text_color_for

from .models import ACTIVE_STATUSES

MUTED = ("completed", "no_show")  # staff_views.MUTED_STATUSES

EVENT_SQL = """SELECT coalesce('[' || string_agg(
    '{"id" : ' || r."id"
    || ', "resourceIds" : [' || r."professional_id"
    || '], "start" : ' || t."start" || ', "end" : ' || t."end"
    || ', "title" : ' || to_json(
        (s.v ->> 0) || %(clock)s || ' ' || r."client__full_name")::text
    || ', ' || coalesce(%(colors)s::jsonb ->> r."professional__color", '')
    || ', ' || (s.v ->> 1)
    || ', "clientConfirmed" : ' || (r."client_confirmed_at" IS NOT NULL)::text
    || ', "professional" : ' || to_json(r."professional__display_name")::text
    || ', "service" : ' || to_json(r."service__name")::text
    || ', "serviceColor" : ' || to_json(r."service__color")::text
    || ', "series" : ' || coalesce(r."series_id"::text, 'null') || '}}',
    ', ' ORDER BY r."start", r."id") || ']', '[]'),
    array_agg(DISTINCT r."professional__color")
        FILTER (WHERE NOT %(colors)s::jsonb ? r."professional__color")
FROM (%(rows)s) AS r
CROSS JOIN LATERAL (
    SELECT to_json(date_trunc('second', r."start" AT TIME ZONE %(tz)s))::text AS "start",
           to_json(date_trunc('second', r."end" AT TIME ZONE %(tz)s))::text AS "end"
) AS t
CROSS JOIN LATERAL (
    SELECT %(states)s::jsonb -> (
        r."status"
        || CASE WHEN r."client_confirmed_at" IS NOT NULL THEN '+' ELSE '-' END
        || CASE WHEN r."series_id" IS NOT NULL THEN '+' ELSE '-' END
    ) AS v
) AS s
"""

# The title's wall-clock time: "HH:MM" cut from the start's JSON text ("YYYY-MM-DDTHH:MM:SS").
CLOCK_SQL = 'substr(t."start", 13, 5)'


# Colour -> its JSON fragment, for every professional colour met so far (a few per practice).
# The whole map goes to the database with every feed query, so it is kept small: past the
# limit it starts again (a feed then makes one more query to learn its colours, as it did
# when it always read them).
_color_fragments: dict[str, str] = {}
COLOR_CACHE_LIMIT = 256


def appointment_events_json(
    rows: QuerySet, *, tz_name: str, status_labels: dict, repeated=()
) -> str | None:
    """The events of `rows` (a `.values(*AGENDA_FIELDS)` queryset) as a JSON array, or None
    when the database is not PostgreSQL (the caller formats them in Python). `repeated`:
    (from, to, label) of the repeated autumn hours in the range, the label with a %(time)s
    placeholder."""
    if connection.vendor != "postgresql":
        return None
    sql, params = rows.order_by().query.sql_with_params()
    clock, clock_params = _clock(repeated)
    template = EVENT_SQL.replace("%(clock)s", clock)
    states = _state_fragments(tuple(status_labels.items()))
    while True:
        named = {"tz": tz_name, "colors": _colors_json(), "states": states}
        with connection.cursor() as cursor:
            cursor.execute(*_positional(template, sql, params, named, clock_params))
            text, unknown = cursor.fetchone()
        if not unknown:
            return text
        # Colours seen for the first time (a new professional, a changed colour): learn them
        # and build the text again, every event with its colours.
        if len(_color_fragments) + len(unknown) > COLOR_CACHE_LIMIT:
            _color_fragments.clear()
        for color in unknown:
            _color_fragments[color] = _color_fragment(color)
        _colors_json.cache_clear()


@lru_cache(maxsize=1)
def _colors_json() -> str:
    return json.dumps(_color_fragments)


def _clock(repeated) -> tuple[str, list]:
    """The SQL of the title's time and its parameters: "HH:MM", or within a repeated autumn
    hour, which of the two it is ("02:30 (first time)")."""
    if not repeated:
        return CLOCK_SQL, []
    branches, values = [], []
    for start, end, label in repeated:
        before, after = label.split("%(time)s", 1)
        branches.append(f'WHEN r."start" >= %s AND r."start" < %s THEN %s || {CLOCK_SQL} || %s')
        values += [start, end, before, after]
    return f"CASE {' '.join(branches)} ELSE {CLOCK_SQL} END", values


def _color_fragment(color: str) -> str:
    return f'"backgroundColor" : {_json(color)}, "textColor" : {_json(text_color_for(color))}'


@lru_cache(maxsize=64)  # per language: the labels are the only input
def _state_fragments(status_labels: tuple[tuple[str, str], ...]) -> str:
    """Per status, client confirmation (+/-) and series (+/-): the title's marks, and the
    event's text from "classNames" to "statusLabel" (what depends on those three only), as a
    JSON object. `status_labels`: (status, label) pairs."""
    labels = dict(status_labels)
    active = {str(status) for status in ACTIVE_STATUSES}
    fragments = {}
    for status, confirmed, in_series in product(labels, (True, False), (True, False)):
        is_active = status in active
        classes = [f"status-{status}"]
        if status in MUTED:
            classes.append("status-muted")
        if confirmed and is_active:
            classes.append("client-confirmed")
        if in_series:
            classes.append("in-series")
        marks = ("✓ " if confirmed and is_active else "") + ("↻ " if in_series else "")
        editable = _json(is_active)
        text = (
            f'"classNames" : {json.dumps(classes, separators=(",", ":"), ensure_ascii=False)}'
            f', "startEditable" : {editable}, "durationEditable" : {editable}'
            f', "extendedProps" : {{"status" : {_json(status)}'
            f', "statusLabel" : {_json(labels[status])}'
        )
        key = f"{status}{'+' if confirmed else '-'}{'+' if in_series else '-'}"
        fragments[key] = [marks, text]
    return json.dumps(fragments)


def _json(value) -> str:
    """JSON text as PostgreSQL's json functions write it (non-ASCII characters kept)."""
    return json.dumps(value, ensure_ascii=False)


def _positional(
    template: str, inner: str, inner_params, named: dict, clock_params=()
) -> tuple[str, list]:
    """`template` with its %(name)s placeholders and the inner query's %s ones, all turned
    into positional %s with their values in order; the %s of the title's clock (`clock_params`)
    come in the order they stand in the template."""
    out, values = [], []
    rest = template
    clock = list(clock_params)
    while "%(" in rest or "%s" in rest:
        named_at = rest.find("%(")
        plain_at = rest.find("%s")
        if plain_at != -1 and (named_at == -1 or plain_at < named_at):
            out.append(rest[: plain_at + 2])
            values.append(clock.pop(0))
            rest = rest[plain_at + 2 :]
            continue
        head, _, tail = rest.partition("%(")
        name, _, rest = tail.partition(")s")
        out.append(head)
        if name == "rows":
            out.append(inner)
            values.extend(inner_params)
        else:
            out.append("%s")
            values.append(named[name])
    out.append(rest)
    return "".join(out), values

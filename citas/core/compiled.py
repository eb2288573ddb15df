"""Querysets of a fixed shape whose SQL is built once per process.

Building a query's SQL with the ORM can cost more than running it, for the small indexed reads
that every API request makes (the token with its user, practice and membership: about 1.2 ms
of ORM work for a 0.5 ms round trip, measured on the 200k-appointment load database).
`CompiledQuery` builds the queryset once with marker values in place of the parameters, keeps
the SQL and how its rows become objects, and then runs that SQL with the real values: the same
query, the same objects, Django's own converters and select_related populators.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from threading import local
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import (
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)


class _Plan(NamedTuple):
    connection: object  # the thread's DatabaseWrapper the compiler was made with
    sql: str
    params: list
    slots: list[int]  # where each marker's value goes in params
    compiler: object
    model: type | None  # None: values_list() tuples
    start: int  # the model's own columns: row[start:end]
    end: int
    init_list: list[str]
    populators: list  # select_related objects


class CompiledQuery:
    """`build(*markers)` returns the queryset: model instances (with any select_related) or
    `values_list()` tuples. Each marker must reach the SQL parameters exactly once and
    unchanged, so that it can be replaced by the value of a call, which is sent to the
    database as it is (give what the field would send: a str, an int). Markers should be
    values no real call uses. Nothing is cached but the SQL: every call reads the database."""

    def __init__(self, build: Callable[..., QuerySet], *markers) -> None:
        self._build = build
        self._markers = markers
        self._plans = local()  # a compiler holds its thread's database connection

    def _plan(self, alias: str) -> _Plan:
        plans = self._plans.__dict__
        plan = plans.get(alias)
        if plan is None or plan.connection is not connections[alias]:
            plan = plans[alias] = self._compile(alias)
        return plan

    def _compile(self, alias: str) -> _Plan:
        queryset = self._build(*self._markers)
        kind = queryset._iterable_class
        if kind not in (ModelIterable, ValuesListIterable) or queryset._prefetch_related_lookups:
            raise TypeError("CompiledQuery runs querysets of instances or values_list() tuples.")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if compiler.has_extra_select:
            raise TypeError("CompiledQuery does not map extra() columns.")
        slots = []
        for marker in self._markers:
            found = [i for i, p in enumerate(params) if type(p) is type(marker) and p == marker]
            if len(found) != 1:
                raise ValueError(f"The marker {marker!r} is not exactly one SQL parameter.")
            slots.append(found[0])
        if kind is ValuesListIterable:
            return _Plan(compiler.connection, sql, list(params), slots, compiler, *[None] * 5)
        if compiler.annotation_col_map:
            raise TypeError("CompiledQuery does not set annotations on instances.")
        # As ModelIterable does, from what compiling left in the compiler.
        klass_info, select = compiler.klass_info, compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        return _Plan(
            connection=compiler.connection,
            sql=sql,
            params=list(params),
            slots=slots,
            compiler=compiler,
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=[column[0].target.attname for column in select[start:end]],
            populators=get_related_populators(klass_info, select, alias),
        )

    def all(self, *values, using: str = "default") -> list:
        """The queryset's objects with `values` in place of the markers."""
        plan = self._plan(using)
        params = plan.params.copy()
        for slot, value in zip(plan.slots, values, strict=True):
            params[slot] = value
        with plan.connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        if plan.model is None:
            return list(plan.compiler.results_iter([rows], tuple_expected=True))
        objects = []
        for row in plan.compiler.results_iter([rows]):  # the fields' converters
            obj = plan.model.from_db(using, plan.init_list, row[plan.start : plan.end])
            for populator in plan.populators:
                populator.populate(row, obj)
            objects.append(obj)
        return objects

    def first(self, *values, using: str = "default"):
        """The first object (or tuple), None when there is none."""
        objects = self.all(*values, using=using)
        return objects[0] if objects else None


_LOOKUPS = ("exact", "gt", "gte", "lt", "lte")
PLAN_LIMIT = 256  # shapes kept per thread (page sizes × cursor offsets can make many)


def _marker(field, index: int):
    """A value of the field's type that no real call sends."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind == "DateTimeField":
        return datetime(2, 1, 1, 0, 0, index, tzinfo=UTC)
    if kind in ("AutoField", "BigAutoField", "IntegerField", "BigIntegerField"):
        return -1_000_000_007 - index
    if kind == "CharField":
        return f"\x00marker-{index}\x00"
    raise TypeError(f"CompiledRows has no marker for a {kind}.")


class CompiledRows:
    """A `.values()` queryset as a cursor paginator uses it (order_by, filter on the model's
    own fields, one slice, iteration), whose SQL is built once per shape per process. The
    shape is `key` (naming what `base` builds, which takes no values), the lookup names in
    order, the ordering and the slice; the lookups' values become the parameters, prepared by
    their fields as the ORM prepares them. Each call reads the database."""

    _plans = local()

    def __init__(self, model, key, base: Callable[[], QuerySet], lookups: dict, **state):
        self.model = model
        self._key, self._base, self._lookups = key, base, lookups
        self._ordering = state.get("ordering", ())
        self._window = state.get("window")

    def _clone(self, **changes) -> "CompiledRows":
        lookups = changes.pop("lookups", self._lookups)
        state = {"ordering": self._ordering, "window": self._window, **changes}
        return CompiledRows(self.model, self._key, self._base, lookups, **state)

    def order_by(self, *fields: str) -> "CompiledRows":
        return self._clone(ordering=fields)

    def filter(self, **lookups) -> "CompiledRows":
        if self._window is not None or set(lookups) & set(self._lookups):
            raise TypeError("CompiledRows filters once per lookup, before slicing.")
        for name in lookups:
            field, _, lookup = name.partition("__")
            self.model._meta.get_field(field)
            if lookup and lookup not in _LOOKUPS:
                raise TypeError(f"CompiledRows does not compile the lookup {name}.")
        return self._clone(lookups={**self._lookups, **lookups})

    def __getitem__(self, window: slice) -> "CompiledRows":
        if not isinstance(window, slice) or window.step is not None or self._window:
            raise TypeError("CompiledRows takes one slice, without a step.")
        return self._clone(window=(window.start or 0, window.stop))

    def __iter__(self):
        return iter(self._rows())

    def _fields(self) -> list:
        return [self.model._meta.get_field(name.partition("__")[0]) for name in self._lookups]

    def _plan(self, connection):
        shape = (self._key, tuple(self._lookups), self._ordering, self._window)
        plans = self._plans.__dict__.setdefault(connection.alias, {})
        plan = plans.get(shape)
        if plan is not None and plan[0] is connection:
            return plan
        if len(plans) >= PLAN_LIMIT:
            plans.clear()
        queryset = self._base()
        fields = self._fields()
        markers = [_marker(field, n) for n, field in enumerate(fields)]
        for name, marker in zip(self._lookups, markers, strict=True):
            queryset = queryset.filter(**{name: marker})
        queryset = queryset.order_by(*self._ordering)
        if self._window:
            queryset = queryset[self._window[0] : self._window[1]]
        if queryset._iterable_class is not ValuesIterable:
            raise TypeError("CompiledRows runs values() querysets.")
        query = queryset.query
        # The row's keys, as ValuesIterable names them.
        names = list(query.selected or (*query.extra_select, *query.values_select))
        if not query.selected:
            names += list(query.annotation_select)
        compiler = query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = []
        for field, marker in zip(fields, markers, strict=True):
            sent = field.get_db_prep_value(marker, connection, prepared=False)
            found = [i for i, p in enumerate(params) if type(p) is type(sent) and p == sent]
            if len(found) != 1:
                raise ValueError(f"The marker {marker!r} is not exactly one SQL parameter.")
            slots.append(found[0])
        plan = plans[shape] = (connection, sql, list(params), slots, compiler, fields, names)
        return plan

    def _rows(self) -> list[dict]:
        connection = connections[DEFAULT_DB_ALIAS]
        _, sql, params, slots, compiler, fields, names = self._plan(connection)
        params = params.copy()
        for slot, field, value in zip(slots, fields, self._lookups.values(), strict=True):
            params[slot] = field.get_db_prep_value(value, connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [dict(zip(names, row, strict=True)) for row in compiler.results_iter([rows])]

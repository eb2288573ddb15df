"""Querysets of a fixed shape whose SQL is built once per process.

Building a query's SQL with the ORM can cost more than running it, for the small indexed reads
that every API request makes (the token with its user, practice and membership: about 1.2 ms
of ORM work for a 0.5 ms round trip, measured on the 200k-appointment load database).
`CompiledQuery` builds the queryset once with marker values in place of the parameters, keeps
the SQL and how its rows become objects, and then runs that SQL with the real values: the same
query, the same objects, Django's own converters and select_related populators.
"""

from collections.abc import Callable
from threading import local
from typing import NamedTuple

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators


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

import threading

import pytest
from django.db.models import F

from citas.core.compiled import CompiledQuery, CompiledRows
from citas.core.factories import MembershipFactory, PracticeFactory
from citas.practices.models import Membership, Practice

MARKER = "\x00slug\x00"


def _state(obj) -> dict:
    """An instance's field values and its select_related objects, as the ORM left them."""
    if obj is None:
        return None
    fields = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    cached = {name: _state(rel) for name, rel in obj._state.fields_cache.items()}
    return {"fields": fields, "related": cached, "db": obj._state.db, "adding": obj._state.adding}


def _members_by_slug(slug):
    return Membership.objects.select_related("user", "practice").filter(practice__slug=slug)


@pytest.mark.django_db
def test_it_builds_the_objects_the_queryset_builds():
    first = MembershipFactory()
    MembershipFactory(practice=first.practice)
    MembershipFactory()  # another practice's
    compiled = CompiledQuery(lambda slug: _members_by_slug(slug).order_by("pk"), MARKER)

    got = compiled.all(first.practice.slug)

    expected = list(_members_by_slug(first.practice.slug).order_by("pk"))
    assert len(got) == 2
    assert [_state(m) for m in got] == [_state(m) for m in expected]
    assert compiled.first("nobody") is None


@pytest.mark.django_db
def test_it_runs_each_call_in_one_query_with_that_calls_value(django_assert_num_queries):
    practices = PracticeFactory.create_batch(3)
    compiled = CompiledQuery(lambda slug: Practice.objects.filter(slug=slug), MARKER)
    compiled.first(practices[0].slug)  # compiled here
    for practice in practices:
        with django_assert_num_queries(1):
            assert compiled.first(practice.slug).pk == practice.pk


@pytest.mark.django_db(transaction=True)
def test_another_thread_uses_its_own_connection():
    practice = PracticeFactory()
    compiled = CompiledQuery(lambda slug: Practice.objects.filter(slug=slug), MARKER)
    assert compiled.first(practice.slug).pk == practice.pk
    seen = []

    def read():
        from django.db import connection

        try:
            seen.append(compiled.first(practice.slug).pk)
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    assert seen == [practice.pk]


@pytest.mark.django_db
def test_a_marker_that_is_not_one_parameter_is_refused():
    absent = CompiledQuery(lambda slug: Practice.objects.filter(name="x"), MARKER)
    with pytest.raises(ValueError, match="not exactly one"):
        absent.first("a")
    twice = CompiledQuery(lambda slug: Practice.objects.filter(slug=slug, name=slug), MARKER)
    with pytest.raises(ValueError, match="not exactly one"):
        twice.first("a")


@pytest.mark.django_db
def test_only_querysets_of_instances_are_compiled():
    rows = CompiledQuery(lambda slug: Practice.objects.filter(slug=slug).values("pk"), MARKER)
    with pytest.raises(TypeError):
        rows.first("a")


@pytest.mark.django_db
def test_values_list_tuples_are_the_querysets():
    practice = PracticeFactory()
    MembershipFactory.create_batch(2, practice=practice)
    MembershipFactory()

    def build(practice_id):
        return (
            Membership.objects.filter(practice_id=practice_id)
            .order_by("pk")
            .values_list("pk", "user__email", "created_at")
        )

    compiled = CompiledQuery(build, -1)
    assert compiled.all(practice.pk) == list(build(practice.pk))
    assert len(compiled.all(practice.pk)) == 2
    flat = CompiledQuery(lambda pk: Practice.objects.filter(pk=pk).values_list("pk", flat=True), -1)
    with pytest.raises(TypeError):
        flat.first(practice.pk)


@pytest.mark.django_db
def test_compiled_rows_are_the_values_querysets_rows():
    practice = PracticeFactory()
    members = MembershipFactory.create_batch(4, practice=practice)
    MembershipFactory()

    def base():
        return Membership.objects.values("pk", "role", email=F("user__email"))

    def rows(**lookups):
        return CompiledRows(Membership, "members", base, lookups)

    since = members[1].created_at
    got = list(rows(practice=practice.pk, created_at__gte=since).order_by("-pk")[1:3])
    expected = base().filter(practice=practice.pk, created_at__gte=since).order_by("-pk")[1:3]
    assert got == list(expected)
    assert len(got) == 2
    assert list(rows(practice=practice.pk, role="nobody")) == []


@pytest.mark.django_db
def test_compiled_rows_refuse_what_they_do_not_compile():
    rows = CompiledRows(Membership, "m", lambda: Membership.objects.values("pk"), {"role": "x"})
    with pytest.raises(TypeError):
        rows.filter(role="y")  # twice the same lookup
    with pytest.raises(TypeError):
        rows.filter(role__icontains="y")
    with pytest.raises(TypeError):
        rows[1:2][0:1]
    with pytest.raises(TypeError):
        list(CompiledRows(Membership, "i", Membership.objects.all, {"role": "x"}))

from datetime import UTC, datetime, timedelta

import pytest

from citas.calendars.models import ExternalCalendar
from citas.calendars.selectors import stale, stale_calendar_ids, sync_interval
from citas.core.factories import ProfessionalFactory

NOW = datetime(2027, 3, 22, 6, tzinfo=UTC)


@pytest.mark.django_db
def test_stale_calendar_ids_are_the_stale_filters_whatever_the_number_of_professionals(
    django_assert_num_queries,
):
    """The calendars query is built once per number of professionals: each call's own ids
    and clock pick its rows, as the `stale(now)` filter does (the sync interval's edge
    included), and no professionals means no query."""
    professionals = ProfessionalFactory.create_batch(4)
    cutoff = NOW - sync_interval()
    for n, checked_at in enumerate(
        [None, cutoff, cutoff + timedelta(microseconds=1), cutoff - timedelta(hours=1), NOW]
    ):
        professional = professionals[n % 3]  # the fourth has no calendar
        ExternalCalendar.objects.create(
            practice=professional.practice,
            professional=professional,
            name=f"c{n}",
            url="https://example.test/c.ics",
            checked_at=checked_at,
        )
    for ids in ([0], [1], [0, 1], [2, 3], [0, 1, 2, 3], [3, 2, 1, 0], [1, 1]):
        pks = [professionals[i].pk for i in ids]
        for now in (NOW, NOW + timedelta(hours=2), NOW - timedelta(days=1)):
            expected = ExternalCalendar.objects.filter(stale(now), professional_id__in=pks)
            got = stale_calendar_ids(professional_ids=pks, now=now)
            assert sorted(got) == sorted(expected.values_list("pk", flat=True))
    assert len(stale_calendar_ids(professional_ids=[p.pk for p in professionals], now=NOW)) == 3
    with django_assert_num_queries(0):
        assert stale_calendar_ids(professional_ids=[], now=NOW) == []

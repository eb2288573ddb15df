import functools
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from citas.core.compiled import CompiledQuery
from citas.practices.models import Membership
from citas.practices.selectors import require_membership

from .lease import free_of_lease
from .models import CalDAVAccount, ExternalBusy, ExternalCalendar


def sync_interval() -> timedelta:
    return timedelta(minutes=settings.EXTERNAL_CALENDAR_SYNC_MINUTES)


def _of_member(rows: QuerySet, membership: Membership) -> QuerySet:
    """Managers see every professional's rows; a professional only their own."""
    rows = rows.filter(practice=membership.practice).select_related("professional")
    if not membership.can_manage:
        rows = rows.filter(professional__membership=membership)
    return rows


def calendars_for(membership: Membership) -> QuerySet[ExternalCalendar]:
    rows = _of_member(ExternalCalendar.objects.all(), membership)
    return rows.order_by("professional__display_name", "name", "pk")


def calendar_for_member(request: HttpRequest, pk: int) -> ExternalCalendar:
    """One calendar the member may manage, or 404 (another practice's, or a colleague's)."""
    membership = require_membership(request)
    calendar = calendars_for(membership).select_related("practice").filter(pk=pk).first()
    if calendar is None:
        raise Http404
    return calendar


def stale(now: datetime) -> Q:
    """Never checked, or checked longer ago than the sync interval."""
    return Q(checked_at__isnull=True) | Q(checked_at__lte=now - sync_interval())


def calendars_due(*, now: datetime) -> QuerySet[ExternalCalendar]:
    """Stale calendars that no worker is syncing, oldest first."""
    return ExternalCalendar.objects.filter(stale(now), free_of_lease(now)).order_by("checked_at")


def is_stale(checked_at: datetime | None, now: datetime) -> bool:
    """`stale(now)` for one calendar's checked_at."""
    return checked_at is None or checked_at <= now - sync_interval()


# Every page and API request that shows free times asks for the professionals' calendars:
# the SQL is built once per number of professionals (the 64 numbers last used are kept).
@functools.lru_cache(maxsize=64)
def _calendars_query(count: int) -> CompiledQuery:
    return CompiledQuery(
        lambda *ids: ExternalCalendar.objects.filter(professional_id__in=ids).values_list(
            "pk", "checked_at"
        ),
        *range(-1, -1 - count, -1),
    )


def stale_calendar_ids(*, professional_ids: Sequence[int], now: datetime) -> list[int]:
    """Those being synced too: their sync may end within the wait for fresh data."""
    ids = list(dict.fromkeys(professional_ids))
    if not ids:
        return []
    rows = _calendars_query(len(ids)).all(*ids)
    return [pk for pk, checked_at in rows if is_stale(checked_at, now)]


def practice_busy_between(
    *, practice, professional_ids: Sequence[int], start: datetime, end: datetime
) -> QuerySet[ExternalBusy]:
    """The busy periods the practice's agenda shows: of the given professionals (of everyone
    when none is given)."""
    rows = ExternalBusy.objects.filter(calendar__practice=practice, start__lt=end, end__gt=start)
    if professional_ids:
        rows = rows.filter(professional_id__in=professional_ids)
    return rows.select_related("calendar").order_by("start")


def caldav_accounts_for(membership: Membership) -> QuerySet[CalDAVAccount]:
    rows = CalDAVAccount.objects.filter(practice=membership.practice).select_related("professional")
    if not membership.can_manage:
        rows = rows.filter(professional__membership=membership)
    return rows.prefetch_related("calendars").order_by("professional__display_name", "pk")


def caldav_account_for_member(request: HttpRequest, pk: int) -> CalDAVAccount:
    membership = require_membership(request)
    account = caldav_accounts_for(membership).select_related("practice").filter(pk=pk).first()
    if account is None:
        raise Http404
    return account

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from citas.core.errors import ServiceError, add_service_error
from citas.practices.models import Professional
from citas.practices.selectors import require_membership

from . import selectors, services
from .forms import CalDAVAccountForm, ExternalCalendarEditForm, ExternalCalendarForm


def _professionals_for(membership):
    """Managers connect calendars for any professional of the practice; a professional only
    for themself."""
    rows = Professional.objects.filter(practice=membership.practice, is_active=True)
    if not membership.can_manage:
        rows = rows.filter(membership=membership)
    return rows.order_by("display_name")


@login_required
def calendar_list(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    professionals = _professionals_for(membership)
    if not professionals.exists():
        raise Http404
    form = ExternalCalendarForm(request.POST or None, professionals=professionals)
    if request.method == "POST" and form.is_valid():
        try:
            calendar = services.external_calendar_add(
                practice=membership.practice,
                professional=form.cleaned_data["professional"],
                name=form.cleaned_data["name"],
                url=form.cleaned_data["url"],
                share_titles=form.cleaned_data["share_titles"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            outcome = services.external_calendar_sync(calendar=calendar, now=timezone.now())
            if outcome.problem:
                messages.warning(
                    request,
                    _("Calendar “%(name)s” connected, but it could not be read yet.")
                    % {"name": calendar.name},
                )
            else:
                messages.success(
                    request,
                    ngettext(
                        "Calendar “%(name)s” connected: %(count)d busy period.",
                        "Calendar “%(name)s” connected: %(count)d busy periods.",
                        outcome.busy_count,
                    )
                    % {"name": calendar.name, "count": outcome.busy_count},
                )
            return redirect("calendars:list")
    return _render_list(request, membership, form=form)


def _render_list(request, membership, *, form=None, caldav_form=None) -> HttpResponse:
    professionals = _professionals_for(membership)
    now = timezone.now()
    calendars = list(selectors.calendars_for(membership).filter(account=None))
    accounts = list(selectors.caldav_accounts_for(membership))
    for account in accounts:
        reading = {calendar.url: calendar for calendar in account.calendars.all()}
        account.rows = [
            {
                **row,
                "read": reading.get(row["url"]),
                "write": row["url"] == account.write_calendar_url,
            }
            for row in account.calendars_found
        ]
    for calendar in calendars + [c for a in accounts for c in a.calendars.all()]:
        # A worker holds its sync lease: the page says so rather than an old result alone.
        calendar.reading_now = bool(
            calendar.sync_lease_id and calendar.sync_lease_until and calendar.sync_lease_until > now
        )
    return render(
        request,
        "calendars/list.html",
        {
            "calendars": calendars,
            "accounts": accounts,
            "form": form or ExternalCalendarForm(professionals=professionals),
            "caldav_form": caldav_form or CalDAVAccountForm(professionals=professionals),
            "sync_minutes": selectors.sync_interval().seconds // 60,
        },
    )


@login_required
@require_POST
def caldav_connect(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request)
    professionals = _professionals_for(membership)
    if not professionals.exists():
        raise Http404
    form = CalDAVAccountForm(request.POST, professionals=professionals)
    if form.is_valid():
        try:
            account = services.caldav_account_connect(
                practice=membership.practice, **form.cleaned_data
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Connected to %(host)s. Choose which calendars block your time.")
                % {"host": account.host},
            )
            return redirect("calendars:list")
    return _render_list(request, membership, caldav_form=form)


@login_required
@require_POST
def caldav_read(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.caldav_account_for_member(request, pk)
    try:
        services.caldav_calendar_read_set(
            account=account, url=request.POST.get("url", ""), read=request.POST.get("read") == "1"
        )
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("calendars:list")


@login_required
@require_POST
def caldav_write(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.caldav_account_for_member(request, pk)
    try:
        services.caldav_write_calendar_set(account=account, url=request.POST.get("url", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("From now on your appointments are written there."))
    return redirect("calendars:list")


@login_required
@require_POST
def caldav_remove(request: HttpRequest, pk: int) -> HttpResponse:
    account = selectors.caldav_account_for_member(request, pk)
    services.caldav_account_remove(account=account)
    messages.success(request, _("CalDAV account disconnected."))
    return redirect("calendars:list")


@login_required
def calendar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = selectors.calendar_for_member(request, pk)
    form = ExternalCalendarEditForm(
        request.POST or None, initial={"name": calendar.name, "share_titles": calendar.share_titles}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.external_calendar_update(calendar=calendar, **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Calendar saved."))
            return redirect("calendars:list")
    return render(request, "calendars/edit.html", {"calendar": calendar, "form": form})


@login_required
@require_POST
def calendar_sync(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = selectors.calendar_for_member(request, pk)
    outcome = services.external_calendar_sync(calendar=calendar, now=timezone.now())
    if outcome.skipped:
        messages.info(
            request,
            _("Calendar “%(name)s” is being read right now. Reload the page in a few seconds.")
            % {"name": calendar.name},
        )
    elif outcome.problem:
        messages.error(request, _("The calendar could not be read. See the problem below."))
    else:
        messages.success(
            request,
            ngettext(
                "Calendar “%(name)s” updated: %(count)d busy period.",
                "Calendar “%(name)s” updated: %(count)d busy periods.",
                outcome.busy_count,
            )
            % {"name": calendar.name, "count": outcome.busy_count},
        )
    return redirect("calendars:list")


@login_required
@require_POST
def calendar_remove(request: HttpRequest, pk: int) -> HttpResponse:
    calendar = selectors.calendar_for_member(request, pk)
    services.external_calendar_remove(calendar=calendar)
    messages.success(request, _("Calendar “%(name)s” disconnected.") % {"name": calendar.name})
    return redirect("calendars:list")

"""/app/informes/: the reports page and its CSV and Excel downloads, for managers only."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from citas.practices.selectors import require_membership
from citas.scheduling.models import Weekday

from .charts import chart_for, table_body
from .exports import report_csv, report_xlsx
from .forms import ReportFilterForm
from .reports import REPORTS, TITLES, report_for
from .selectors import cancellation_window_hours
from .tables import Period

EXPORTS = {
    "csv": (report_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        report_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def filtered_period(practice, data) -> tuple[ReportFilterForm, Period | None]:
    """The period and filters asked for; 404 for another practice's professional or service."""
    tz = ZoneInfo(practice.timezone)
    form = ReportFilterForm(data, practice=practice, today=timezone.now().astimezone(tz).date())
    if not form.is_valid():
        if form.foreign_choice():
            raise Http404
        return form, None
    data = form.cleaned_data
    professional, service = data["professional"], data["service"]
    return form, Period(
        data["start"],
        data["end"],
        tz,
        professional_id=professional.pk if professional else None,
        service_id=service.pk if service else None,
    )


def _manager_practice(request: HttpRequest):
    membership = require_membership(request)
    if not membership.can_manage:
        raise PermissionDenied
    return membership.practice


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    """The filter form and one placeholder per report: each report is its own request (htmx), so
    the page shows at once and no request aggregates more than one report."""
    practice = _manager_practice(request)
    form, period = filtered_period(practice, request.GET)
    reports = [{"name": name, "title": TITLES[name]} for name in REPORTS] if period else []
    return render(
        request,
        "reports/index.html",
        {"form": form, "reports": reports, "query": request.GET.urlencode()},
    )


@login_required
def report_card(request: HttpRequest, name: str) -> HttpResponse:
    """One report's chart and table, loaded by the reports page."""
    practice = _manager_practice(request)
    if name not in REPORTS:
        raise Http404
    form, period = filtered_period(practice, request.GET)
    if period is None:
        return render(request, "reports/index.html#invalid", {"form": form}, status=400)
    table = report_for(name, practice, period, window_hours=cancellation_window_hours(practice))
    weekdays = [str(day.label) for day in Weekday]
    return render(
        request,
        "reports/index.html#report",
        {
            "table": table,
            "chart": chart_for(table, weekdays=weekdays),
            "body": table_body(table),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def report_export(request: HttpRequest, name: str, extension: str) -> HttpResponse:
    practice = _manager_practice(request)
    if name not in REPORTS or extension not in EXPORTS:
        raise Http404
    form, period = filtered_period(practice, request.GET)
    if period is None:
        errors = "\n".join(str(m) for messages in form.errors.values() for m in messages)
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    table = report_for(name, practice, period, window_hours=cancellation_window_hours(practice))
    render_file, content_type = EXPORTS[extension]
    response = HttpResponse(render_file(table), content_type=content_type)
    filename = f"{name}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from citas.calendars.tasks import refresh_stale
from citas.catalog.models import Service
from citas.core.errors import ServiceError, add_service_error
from citas.practices.models import Practice, Professional
from citas.practices.selectors import require_membership

from . import services
from .forms import (
    AvailabilityQueryForm,
    BookingPolicyForm,
    HolidayImportForm,
    TimeOffForm,
    WeeklyHoursForm,
    format_day_ranges,
)
from .models import TimeOff, WorkingHours
from .selectors import (
    availability_for,
    offering_with_hours,
    policy_for,
    time_off_by_month,
    working_hours_by_day,
)

# --- working hours ---------------------------------------------------------------------------


@login_required
def working_hours_overview(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    practice = membership.practice
    professionals = Professional.objects.filter(practice=practice, is_active=True).prefetch_related(
        Prefetch("working_hours", queryset=WorkingHours.objects.order_by("weekday", "start_time"))
    )
    template = working_hours_by_day(practice=practice, professional=None)
    return render(
        request,
        "scheduling/working_hours_overview.html",
        {
            "professionals": professionals,
            "template_is_empty": not any(template.values()),
        },
    )


def _edit_weekly_hours(request, *, practice, professional) -> HttpResponse:
    by_day = working_hours_by_day(practice=practice, professional=professional)
    initial = {f"day_{day}": format_day_ranges(rows) for day, rows in by_day.items()}
    if request.method == "POST" and "copy_monday" in request.POST:
        # Copy without saving: the page shows the result and the user confirms with Save.
        data = request.POST.copy()
        for day in range(1, 5):
            data[f"day_{day}"] = data.get("day_0", "")
        form = WeeklyHoursForm(initial={key: data.get(key, "") for key in initial})
        messages.info(request, _("Monday copied to Tuesday–Friday. Review and save."))
    elif request.method == "POST":
        form = WeeklyHoursForm(request.POST)
        if form.is_valid():
            try:
                services.working_hours_set(
                    practice=practice,
                    professional=professional,
                    ranges=form.cleaned_data["ranges"],
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Working hours saved."))
                return redirect(request.path)
    else:
        form = WeeklyHoursForm(initial=initial)
    return render(
        request,
        "scheduling/working_hours_form.html",
        {"form": form, "professional": professional},
    )


@login_required
def working_hours_template(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    return _edit_weekly_hours(request, practice=membership.practice, professional=None)


@login_required
def working_hours_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_membership(request, manager=True)
    professional = get_object_or_404(Professional, pk=pk, practice=membership.practice)
    return _edit_weekly_hours(request, practice=membership.practice, professional=professional)


# --- time off --------------------------------------------------------------------------------


@login_required
def time_off_list(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    practice = membership.practice
    form = TimeOffForm(request.POST or None, practice=practice)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.time_off_create(
                practice=practice,
                professional=data["professional"],
                start=data["start"],
                end=data["end"],
                all_day=data["all_day"],
                reason=data["reason"],
                note=data["note"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Time off added."))
            return redirect("scheduling:time_off")
    now = timezone.now()
    return render(
        request,
        "scheduling/time_off_list.html",
        {
            "form": form,
            "months": time_off_by_month(practice=practice, since=now - timedelta(days=30)),
            "practice_tz": practice.timezone,
        },
    )


@login_required
@require_POST
def time_off_delete(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_membership(request, manager=True)
    time_off = get_object_or_404(TimeOff, pk=pk, practice=membership.practice)
    services.time_off_delete(time_off=time_off)
    messages.success(request, _("Time off removed."))
    return redirect("scheduling:time_off")


@login_required
def holidays_import(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    if request.htmx and request.method == "GET":
        # The country select asks for the regions of the country just chosen.
        form = HolidayImportForm(country=request.GET.get("country"))
        return render(request, "scheduling/holidays_import.html#subdivision", {"form": form})
    form = HolidayImportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.time_off_import_holidays(
                practice=membership.practice,
                year=form.cleaned_data["year"],
                country=form.cleaned_data["country"],
                subdivision=form.cleaned_data["subdivision"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            if created:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d public holiday blocked.",
                        "%(count)d public holidays blocked.",
                        created,
                    )
                    % {"count": created},
                )
            else:
                messages.info(request, _("Those holidays were already blocked."))
            return redirect("scheduling:time_off")
    return render(request, "scheduling/holidays_import.html", {"form": form})


# --- booking policy --------------------------------------------------------------------------


@login_required
def booking_policy_edit(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    policy = policy_for(membership.practice)
    form = BookingPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_policy_update(policy=policy, **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            policy.refresh_from_db()
            if policy.challenge_after_bookings_hour >= policy.max_online_bookings_hour:
                messages.warning(
                    request,
                    _(
                        "The anti-spam check is set to start at %(challenge)s bookings an hour, "
                        "but online booking pauses at %(cap)s: the check will never be asked "
                        "for. Lower the first number if you want it."
                    )
                    % {
                        "challenge": policy.challenge_after_bookings_hour,
                        "cap": policy.max_online_bookings_hour,
                    },
                )
            return redirect("scheduling:policy")
    return render(request, "scheduling/booking_policy.html", {"form": form})


# --- public availability (JSON) --------------------------------------------------------------


def _json_error(code: str, message: str, *, status: int = 400, fields=None) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status
    )


def _unknown_practice() -> JsonResponse:
    return _json_error("not_found", _("This practice does not exist."), status=404)


@require_GET
def availability(request: HttpRequest, practice_slug: str) -> JsonResponse:
    query = AvailabilityQueryForm.from_query(request.GET)
    if not query.is_valid():
        if not Practice.objects.filter(slug=practice_slug).exists():
            return _unknown_practice()
        return _json_error(
            "invalid", _("Check the highlighted values."), fields=query.field_errors()
        )
    params = query.cleaned_data
    # One query for the practice, its policy and the service: this endpoint is the hot path.
    service = (
        Service.objects.active()
        .select_related("practice__booking_policy", "practice__schedule_version")
        .filter(practice__slug=practice_slug, pk=params["service"])
        .first()
    )
    if service is None:
        if not Practice.objects.filter(slug=practice_slug).exists():
            return _unknown_practice()
        return _json_error(
            "unknown_service",
            _("This service does not exist or cannot be booked."),
            fields={"service": [_("Choose a service of this practice.")]},
        )
    practice = service.practice
    working = offering_with_hours(service=service, professional_id=params["professional"])
    if params["professional"] is not None and not working:
        return _json_error(
            "unknown_professional",
            _("This professional does not offer this service."),
            fields={"professional": [_("Choose a professional who offers the service.")]},
        )
    refresh_stale(professional_ids=list(working))
    try:
        result = availability_for(
            practice=practice,
            service=service,
            working=working,
            first_day=params["first_day"],
            last_day=params["last_day"],
            now=timezone.now(),
        )
    except ServiceError as error:
        message = str(error.message)
        return _json_error("invalid_range", message, fields={error.field or "to": [message]})
    zone = ZoneInfo(practice.timezone)
    days = {
        day.isoformat(): [
            {"start": start.astimezone(zone).isoformat(), "professional": professional}
            for start, professional in slots
        ]
        for day, slots in result["any"].items()
    }
    return JsonResponse({"timezone": practice.timezone, "days": days})

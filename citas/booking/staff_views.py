"""Staff pages: the agenda and the appointment list and detail (client records are in
`staff_client_views.py`)."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citas.calendars.agenda import external_busy_events
from citas.core.colors import text_color_for
from citas.core.errors import ServiceError, add_service_error
from citas.core.jsonbody import JsonBodyError, read_json_body
from citas.core.pagination import peek_page
from citas.core.timezones import is_ambiguous, repeated_intervals
from citas.core.urls import cached_reverse
from citas.notifications.rendering import site_url
from citas.notifications.services import new_link_notify
from citas.practices.selectors import require_membership
from citas.privacy.services import client_link_renew
from citas.scheduling.calendar_events import time_off_events

from . import agenda_cache, series, services, staff_selectors
from .agenda_json import appointment_events_json
from .models import ACTIVE_STATUSES, AppointmentStatus
from .selectors import appointment_for_member
from .series_views import agenda_book_series
from .staff_forms import (
    AgendaFeedForm,
    AppointmentFilterForm,
    MoveForm,
    ReasonForm,
    RescheduleForm,
    StaffBookingForm,
)
from .staff_selectors import asks_confirmation

PAGE_SIZE = 25
MUTED_STATUSES = (AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


def _errors_json(form, status: int = 400) -> JsonResponse:
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    first = next(iter(errors.values()))[0]
    return JsonResponse({"error": first, "errors": errors}, status=status)


# Agenda ---------------------------------------------------------------------------------------


@login_required
@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    practice = require_membership(request).practice
    professionals = staff_selectors.agenda_professionals(practice)
    first, last = staff_selectors.agenda_day_bounds(practice)
    config = {
        "feedUrl": cached_reverse("booking_staff:agenda_feed"),
        "bookUrl": cached_reverse("booking_staff:agenda_book"),
        "moveUrl": cached_reverse("booking_staff:appointment_move", (0,)),
        "detailUrl": cached_reverse("booking_staff:appointment_detail", (0,)),
        "slotMinTime": first.strftime("%H:%M:%S"),
        "slotMaxTime": last.strftime("%H:%M:%S"),
        "resources": [{"id": p.pk, "title": p.display_name} for p in professionals],
        "locale": get_language(),
        "text": {
            "moved": _("Appointment moved."),
            "bookAnyway": _("Book anyway?"),
            "failed": _("The change could not be saved. Please try again."),
            "today": _("Today"),
            "day": _("Day"),
            "week": _("Week"),
            "month": _("Month"),
            "team": _("Team"),
            "close": _("Close"),
            "previous": _("Previous"),
            "next": _("Next"),
        },
    }
    return render(
        request,
        "booking/staff/agenda.html",
        {"practice": practice, "professionals": professionals, "agenda_config": config},
    )


@login_required
@require_GET
def agenda_feed(request: HttpRequest) -> HttpResponse:
    practice = require_membership(request).practice
    form = AgendaFeedForm(request.GET, practice=practice)
    if not form.is_valid():
        return _errors_json(form)
    data = form.cleaned_data
    # What every read of the feed is about: the practice, the range, the professionals chosen.
    window = {
        "practice": practice,
        "start": data["start"],
        "end": data["end"],
        "professional_ids": [p.pk for p in data["professional"]],
    }
    key = agenda_cache.feed_key(
        # Read before the appointments (see agenda_cache).
        version=agenda_cache.schedule_version(practice.pk),
        include_cancelled=data["cancelled"],
        language=get_language(),
        **window,
    )

    def build() -> str:
        rows = staff_selectors.agenda_appointments(include_cancelled=data["cancelled"], **window)
        status_labels = {value: str(label) for value, label in AppointmentStatus.choices}
        built = appointment_events_json(
            rows,
            tz_name=practice.timezone,
            status_labels=status_labels,
            repeated=_repeated_hour_labels(data["start"], data["end"], form.tz),
        )
        if built is None:
            built = json.dumps(
                [_event(row, form.tz, status_labels) for row in rows], cls=DjangoJSONEncoder
            )
        events = time_off_events(tz=form.tz, **window)
        events += external_busy_events(tz=form.tz, **window)
        return _joined(built, events)

    body = agenda_cache.cached_events(key, build)
    return HttpResponse(body, content_type="application/json")


def _joined(array: str, more: list) -> str:
    """The JSON array `array` (text) followed by the events of `more`."""
    if not more:
        return array
    tail = json.dumps(more, cls=DjangoJSONEncoder)
    if array.strip() == "[]":
        return tail
    return f"{array.rstrip()[:-1]}, {tail[1:]}"


def _local(moment: datetime, tz) -> str:
    """Wall-clock time of the practice, "YYYY-MM-DDTHH:MM:SS" (isoformat: strftime costs
    several times more, and a week's feed formats thousands of these)."""
    return moment.astimezone(tz).isoformat(timespec="seconds")[:19]


ACTIVE_VALUES = frozenset(str(status) for status in ACTIVE_STATUSES)
MUTED_VALUES = frozenset(str(status) for status in MUTED_STATUSES)


# Which of the two wall-clock times of the repeated autumn hour an event starts at.
FIRST_TIME = gettext_lazy("%(time)s (first time)")
SECOND_TIME = gettext_lazy("%(time)s (second time)")


def _repeated_hour_labels(start, end, tz) -> list[tuple[datetime, datetime, str]]:
    """(from, to, label) per repeated autumn hour in [start, end]: the SQL path of the feed
    labels the appointments that start there as `_clock_label` does."""
    labels = []
    for first, second in repeated_intervals(start, end, tz):
        labels.append((*first, str(FIRST_TIME)))
        labels.append((*second, str(SECOND_TIME)))
    return labels


def _clock_label(start, tz) -> str:
    """ "02:30", or on the night the clocks go back, which of the two 02:30 it is (the widget
    draws both in the one repeated hour)."""
    if not is_ambiguous(start.replace(tzinfo=None), tz):
        return f"{start:%H:%M}"
    return (SECOND_TIME if start.fold else FIRST_TIME) % {"time": f"{start:%H:%M}"}


def _event(row: dict, tz, status_labels: dict) -> dict:
    start = _local(row["start"], tz)
    local_start = row["start"].astimezone(tz)
    status = row["status"]
    active = status in ACTIVE_VALUES
    classes = [f"status-{status}"]
    if status in MUTED_VALUES:
        classes.append("status-muted")
    confirmed_by_client = row["client_confirmed_at"] is not None
    mark = "✓ " if confirmed_by_client and active else ""
    if mark:
        classes.append("client-confirmed")
    # A recurring series' appointments carry a ↻, so that staff think twice before moving one.
    if row["series_id"]:
        mark += "↻ "
        classes.append("in-series")
    return {
        "id": row["id"],
        "resourceIds": [row["professional_id"]],
        # Wall-clock time of the practice: the widget shows it as given, in any browser.
        "start": start,
        "end": _local(row["end"], tz),
        "title": f"{mark}{_clock_label(local_start, tz)} {row['client__full_name']}",
        # The legend shows professionals' colours; the service is a label and a stripe.
        "backgroundColor": row["professional__color"],
        "textColor": text_color_for(row["professional__color"]),
        "classNames": classes,
        # What can be dragged can also be stretched: resizing changes the appointment's end.
        "startEditable": active,
        "durationEditable": active,
        "extendedProps": {
            "status": status,
            "statusLabel": status_labels[status],
            "clientConfirmed": confirmed_by_client,
            "series": row["series_id"],
            "professional": row["professional__display_name"],
            "service": row["service__name"],
            "serviceColor": row["service__color"],
        },
    }


@login_required
@require_POST
def appointment_move(request: HttpRequest, pk: int) -> JsonResponse:
    appointment = appointment_for_member(request, pk)
    try:
        payload = read_json_body(request)
    except JsonBodyError as error:
        too_large = error.code == "too_large"
        message = (
            _("The request is too large.") if too_large else _("The request could not be read.")
        )
        return JsonResponse({"error": message}, status=413 if too_large else 400)
    if not isinstance(payload, dict):
        return JsonResponse({"error": _("The request could not be read.")}, status=400)
    form = MoveForm(payload, practice=appointment.practice)
    if not form.is_valid():
        if "repeated_hour" in form.errors:
            choices = form.fields["repeated_hour"].choices
            body = {
                "error": f"{form.fields['repeated_hour'].label}. {form.errors['repeated_hour'][0]}",
                "code": "repeated_hour",
                "choices": [{"value": value, "label": str(label)} for value, label in choices],
            }
            return JsonResponse(body, status=422)
        return _errors_json(form)
    data = form.cleaned_data
    professional = data["professional"] or appointment.professional
    try:
        services.appointment_reschedule(
            appointment=appointment,
            start=data["start"],
            professional=professional,
            end=data["end"],
            by=request.user,
            by_client=False,
            override_policy=data["override"],
        )
    except services.SlotTaken as error:
        return JsonResponse({"error": str(error.message), "code": error.code}, status=409)
    except ServiceError as error:
        # Only the booking rules can be overridden; a collision, a bad length or a closed
        # status cannot.
        can_override = (
            not data["override"]
            and error.field != "end"
            and appointment.status in ACTIVE_STATUSES
            and not staff_selectors.overlaps_an_active_appointment(
                appointment=appointment,
                professional=professional,
                start=data["start"],
                end=data["end"],
            )
        )
        body = {"error": str(error.message), "code": error.code, "can_override": can_override}
        return JsonResponse(body, status=422)
    done = _("Appointment length changed.") if data["end"] else _("Appointment moved.")
    return JsonResponse({"ok": True, "message": done})


@login_required
def agenda_book(request: HttpRequest) -> HttpResponse:
    """The booking form of the agenda's modal (an HTMX fragment)."""
    practice = require_membership(request).practice
    if request.method != "POST":
        form = StaffBookingForm(initial=request.GET.dict(), practice=practice)
        return render(request, "booking/staff/book_form.html", {"form": form})
    form = StaffBookingForm(request.POST, practice=practice)
    if form.is_valid() and form.cleaned_data["frequency"]:
        return agenda_book_series(request, form)
    if form.is_valid():
        data = form.cleaned_data
        try:
            client = data["client"] or services.client_for_booking(
                practice=practice,
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
            )
            appointment = services.appointment_book(
                practice=practice,
                professional=data["professional"],
                service=data["service"],
                client=client,
                start=data["start"],
                by=request.user,
                by_client=False,
                notes=data["notes"],
                override_policy=data["override_policy"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            response = render(
                request, "booking/staff/book_form.html#booked", {"appointment": appointment}
            )
            response["HX-Trigger"] = "appointment-booked"
            return response
    return render(request, "booking/staff/book_form.html", {"form": form})


# Appointments ---------------------------------------------------------------------------------


@login_required
@require_GET
def appointment_list(request: HttpRequest) -> HttpResponse:
    practice = require_membership(request).practice
    form = AppointmentFilterForm(request.GET, practice=practice)
    form.is_valid()
    filters = form.filters()
    rows = staff_selectors.appointment_list(practice=practice, filters=filters, now=timezone.now())
    page = peek_page(rows, PAGE_SIZE, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("tab", None)
    return render(
        request,
        "booking/staff/appointment_list.html",
        {
            "practice": practice,
            "form": form,
            "tab": filters.tab,
            "page": page,
            # Listing the appointments not confirmed yet shows their badge, asked for or not.
            "asks_confirmation": filters.client_confirmed is False or asks_confirmation(practice),
            "query": query.urlencode(),
            "detail_url": _url_around_pk("booking_staff:appointment_detail"),
        },
    )


PK_SENTINEL = 918273645


def _url_around_pk(name: str) -> tuple[str, str]:
    """The URL `name` of any object as (before, after) its pk: reversed once per page, not
    once per row."""
    before, after = reverse(name, args=[PK_SENTINEL]).split(str(PK_SENTINEL))
    return before, after


@login_required
@require_GET
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_for_member(request, pk)
    return _render_detail(request, appointment)


def _render_detail(request, appointment, *, reschedule_form=None, status=200):
    local_start = appointment.start.astimezone(ZoneInfo(appointment.practice.timezone))
    started = appointment.start <= timezone.now()
    if reschedule_form is None:
        reschedule_form = RescheduleForm(
            practice=appointment.practice,
            initial={
                "start": local_start.strftime("%Y-%m-%dT%H:%M"),
                "professional": appointment.professional_id,
            },
        )
    context = {
        "appointment": appointment,
        "practice": appointment.practice,
        "events": _history(appointment),
        "is_active": appointment.status in ACTIVE_STATUSES,
        "is_pending": appointment.status == AppointmentStatus.PENDING,
        "can_close": appointment.status == AppointmentStatus.CONFIRMED and started,
        "reschedule_form": reschedule_form,
        "asks_confirmation": asks_confirmation(appointment.practice),
        "series_info": staff_selectors.series_info(appointment),
        "scope_choices": series.SeriesScope.CHOICES,
    }
    return render(request, "booking/staff/appointment_detail.html", context, status=status)


def _history(appointment) -> list:
    events = list(appointment.events.select_related("actor").order_by("created_at", "pk"))
    for event in events:
        previous = event.data.get("previous_start")
        event.previous_start = datetime.fromisoformat(previous) if previous else None
    return events


ACTIONS = {
    "confirmar": (lambda a, by, reason: services.appointment_confirm(appointment=a, by=by)),
    "rechazar": (
        lambda a, by, reason: services.appointment_reject(appointment=a, by=by, reason=reason)
    ),
    "cancelar": (
        lambda a, by, reason: services.appointment_cancel(
            appointment=a, by=by, by_client=False, reason=reason
        )
    ),
    "completar": (lambda a, by, reason: services.appointment_complete(appointment=a, by=by)),
    "no-presentado": (
        lambda a, by, reason: services.appointment_mark_no_show(appointment=a, by=by)
    ),
}
ACTION_DONE = {
    "confirmar": gettext_lazy("Appointment confirmed."),
    "rechazar": gettext_lazy("Appointment rejected."),
    "cancelar": gettext_lazy("Appointment cancelled."),
    "completar": gettext_lazy("Appointment marked as completed."),
    "no-presentado": gettext_lazy("Appointment marked as a no-show."),
}


@login_required
@require_POST
def appointment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    appointment = appointment_for_member(request, pk)
    if action not in ACTIONS:
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("booking_staff:appointment_detail", pk=pk)
    scope = form.cleaned_data["scope"]
    try:
        if action == "cancelar" and scope and scope != series.SeriesScope.THIS:
            series.series_cancel(
                appointment=appointment,
                scope=scope,
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        else:
            ACTIONS[action](appointment, request.user, form.cleaned_data["reason"])
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, ACTION_DONE[action])
    return redirect("booking_staff:appointment_detail", pk=pk)


@login_required
@require_POST
def appointment_link_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """A new manage link for the client (the old one was forwarded or leaked): the old one
    stops working."""
    appointment = appointment_for_member(request, pk)
    with transaction.atomic():
        token = client_link_renew(obj=appointment, by=request.user, request=request)
        sent = request.POST.get("send") == "1" and new_link_notify(appointment=appointment)
    url = site_url(reverse("manage:page", args=[token]))
    if sent:
        text = _(
            "New link for the client: %(url)s. The old link no longer works; "
            "the new one is being emailed to %(email)s."
        ) % {"url": url, "email": appointment.client.email}
    else:
        text = _("New link for the client: %(url)s. The old link no longer works.") % {"url": url}
    messages.success(request, text)
    return redirect("booking_staff:appointment_detail", pk=pk)


@login_required
@require_POST
def appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_for_member(request, pk)
    form = RescheduleForm(request.POST, practice=appointment.practice)
    scope = request.POST.get("scope", series.SeriesScope.THIS)
    if form.is_valid() and scope != series.SeriesScope.THIS:
        try:
            series.series_move(
                appointment=appointment,
                scope=scope,
                start=form.cleaned_data["start"],
                professional=form.cleaned_data["professional"],
                by=request.user,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Appointments moved."))
            return redirect("booking_staff:appointment_detail", pk=pk)
    elif form.is_valid():
        try:
            services.appointment_reschedule(
                appointment=appointment,
                start=form.cleaned_data["start"],
                professional=form.cleaned_data["professional"],
                by=request.user,
                by_client=False,
                override_policy=form.cleaned_data["override_policy"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Appointment moved."))
            return redirect("booking_staff:appointment_detail", pk=pk)
    appointment = appointment_for_member(request, pk)  # as saved: nothing changed
    return _render_detail(request, appointment, reschedule_form=form, status=200)

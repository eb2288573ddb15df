"""The client's side of an appointment: the manage link (no login) and "Mis citas" (login).

Both show the same page and allow the same changes, under the practice's cancellation window.
"""

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citas.core.errors import ServiceError, add_service_error
from citas.privacy.selectors import client_records_for_user

from .forms import CancelForm, RescheduleForm, StepForm
from .models import ACTIVE_STATUSES, Appointment
from .public_views import cancellation_hours_for, month_calendar
from .selectors import appointment_for_token, appointment_for_user, appointments_for_user
from .services import SlotTaken, appointment_cancel, appointment_reschedule

MANAGE_PAGE = "booking/client/manage.html"


def _can_change(appointment: Appointment, now: datetime) -> bool:
    deadline = appointment.start - timedelta(hours=cancellation_hours_for(appointment.practice))
    return appointment.status in ACTIVE_STATUSES and now < deadline


def _manage_context(
    request: HttpRequest, appointment: Appointment, urls: dict[str, str], *, now: datetime
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "appointment": appointment,
        "practice": appointment.practice,
        "urls": urls,
        "can_change": _can_change(appointment, now),
        "cancellation_hours": cancellation_hours_for(appointment.practice),
        "cancel_form": CancelForm(),
        "errors": [],
    }
    step = StepForm(request.GET)
    if context["can_change"] and step.is_valid() and "cambiar" in request.GET:
        params = step.cleaned_data
        day = params.get("day")
        month = params.get("month") or (day.replace(day=1) if day else appointment.start.date())
        try:
            cal = month_calendar(
                practice=appointment.practice,
                service=appointment.service,
                professionals=[appointment.professional],
                month=month,
                now=now,
            )
        except ServiceError as error:
            context["errors"].append(error.message)
        else:
            context["calendar"] = cal
            context["day"] = day
            context["slots"] = cal.days.get(day, []) if day else []
    return context


def _manage_page(
    request: HttpRequest, appointment: Appointment, urls: dict[str, str]
) -> HttpResponse:
    context = _manage_context(request, appointment, urls, now=timezone.now())
    return render(request, MANAGE_PAGE, context)


def _cancel(request: HttpRequest, appointment: Appointment, urls: dict[str, str]) -> HttpResponse:
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            appointment_cancel(
                appointment=appointment,
                by=request.user,
                by_client=True,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your appointment has been cancelled."))
            return redirect(urls["page"])
    context = _manage_context(request, appointment, urls, now=timezone.now())
    context["cancel_form"] = form
    return render(request, MANAGE_PAGE, context, status=400)


def _reschedule(
    request: HttpRequest, appointment: Appointment, urls: dict[str, str]
) -> HttpResponse:
    form = RescheduleForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            appointment_reschedule(
                appointment=appointment,
                start=form.cleaned_data["start"],
                by=request.user,
                by_client=True,
            )
        except SlotTaken as error:
            form.add_error(None, error.message)
            status = 409
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your appointment has been moved."))
            return redirect(urls["page"])
    context = _manage_context(request, appointment, urls, now=timezone.now())
    context["errors"].extend(error for errors in form.errors.values() for error in errors)
    return render(request, MANAGE_PAGE, context, status=status)


# --- manage link -------------------------------------------------------------------------------


def _token_urls(token: str) -> dict[str, str]:
    return {
        "page": reverse("manage:page", args=[token]),
        "cancel": reverse("manage:cancel", args=[token]),
        "reschedule": reverse("manage:reschedule", args=[token]),
    }


@require_GET
def manage(request: HttpRequest, token: str) -> HttpResponse:
    return _manage_page(request, appointment_for_token(token), _token_urls(token))


@require_POST
def manage_cancel(request: HttpRequest, token: str) -> HttpResponse:
    return _cancel(request, appointment_for_token(token), _token_urls(token))


@require_POST
def manage_reschedule(request: HttpRequest, token: str) -> HttpResponse:
    return _reschedule(request, appointment_for_token(token), _token_urls(token))


# --- Mis citas ---------------------------------------------------------------------------------


def _account_urls(pk: int) -> dict[str, str]:
    return {
        "page": reverse("my_appointments:detail", args=[pk]),
        "cancel": reverse("my_appointments:cancel", args=[pk]),
        "reschedule": reverse("my_appointments:reschedule", args=[pk]),
        "back": reverse("home"),
    }


@login_required
@require_GET
def my_appointments(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    upcoming, past = [], []
    for appointment in appointments_for_user(request.user):
        is_upcoming = appointment.status in ACTIVE_STATUSES and appointment.end > now
        (upcoming if is_upcoming else past).append(appointment)
    past.reverse()
    return render(
        request,
        "booking/client/my_appointments.html",
        {
            "upcoming": upcoming,
            "past": past,
            "data_records": client_records_for_user(request.user),
        },
    )


@login_required
@require_GET
def my_appointment(request: HttpRequest, pk: int) -> HttpResponse:
    return _manage_page(request, appointment_for_user(request.user, pk), _account_urls(pk))


@login_required
@require_POST
def my_appointment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _cancel(request, appointment_for_user(request.user, pk), _account_urls(pk))


@login_required
@require_POST
def my_appointment_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    return _reschedule(request, appointment_for_user(request.user, pk), _account_urls(pk))

"""The practice's public booking page: service → professional → day → time → details.

Every step is a plain GET link (works without JavaScript); HTMX only swaps the steps in place.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citas.calendars.tasks import refresh_stale
from citas.catalog.models import Service
from citas.core.errors import ServiceError, add_service_error
from citas.practices.models import Practice
from citas.privacy.models import ConsentChannel, ConsentPurpose
from citas.privacy.selectors import notice_current, privacy_settings_for
from citas.privacy.services import consent_record
from citas.scheduling.selectors import availability_for

from .abuse import availability_reads_exceeded, booking_attempt_refusal
from .challenge import challenge_refusal, challenge_shown, note_public_booking, widget_strings
from .email_check import appointment_for_email_check, needs_email_check
from .forms import ANY, BookingForm, StepForm, format_start
from .rules import OnlineBookingPaused
from .selectors import appointment_for_token
from .services import (
    EMAIL_CHECK_LAPSED,
    SlotTaken,
    appointment_book,
    appointment_confirm_email,
    client_for_booking,
    email_check_lapsed,
)
from .waitlist_forms import waitlist_form_for

BOOKINGS_PER_HOUR = 20
PAGE = "booking/public/page.html"


@dataclass
class Slot:
    start: datetime
    professional_id: int
    value: str = ""

    def __post_init__(self):
        self.value = format_start(self.start)


@dataclass
class CalendarDay:
    date: date
    in_month: bool
    slots: list[Slot]


@dataclass
class Calendar:
    """A month of free slots for one service and one professional (or any of them)."""

    month: date
    days: dict[date, list[Slot]]
    previous_month: date | None = None
    next_month: date | None = None

    @property
    def has_slots(self) -> bool:
        return any(self.days.values())

    @property
    def weeks(self) -> list[list[CalendarDay]]:
        grid = calendar.Calendar(firstweekday=0).monthdatescalendar(
            self.month.year, self.month.month
        )
        return [
            [CalendarDay(d, d.month == self.month.month, self.days.get(d, [])) for d in week]
            for week in grid
        ]


def month_calendar(*, practice, service, professionals, month: date, now: datetime) -> Calendar:
    """Free slots of a whole local month in one availability call, plus the grid to show it."""
    today = now.astimezone(ZoneInfo(practice.timezone)).date()
    horizon = today + timedelta(days=_horizon_days(practice))
    month = min(max(month.replace(day=1), today.replace(day=1)), horizon.replace(day=1))
    last_day = month.replace(day=calendar.monthrange(month.year, month.month)[1])
    refresh_stale(professional_ids=[professional.pk for professional in professionals])
    result = availability_for(
        practice=practice,
        service=service,
        professionals=professionals,
        first_day=month,
        last_day=last_day,
        now=now,
    )
    days = {
        day: [Slot(start, professional_id) for start, professional_id in slots]
        for day, slots in result["any"].items()
    }
    next_month = last_day + timedelta(days=1)
    return Calendar(
        month=month,
        days=days,
        previous_month=(month - timedelta(days=1)).replace(day=1) if month > today else None,
        next_month=next_month if next_month <= horizon else None,
    )


def _horizon_days(practice: Practice) -> int:
    try:
        return practice.booking_policy.horizon_days
    except Practice.booking_policy.RelatedObjectDoesNotExist:
        return 90


def cancellation_hours_for(practice: Practice) -> int:
    try:
        return practice.booking_policy.cancellation_window_hours
    except Practice.booking_policy.RelatedObjectDoesNotExist:
        return 24


def _practice(slug: str) -> Practice:
    return get_object_or_404(
        Practice.objects.select_related("booking_policy", "schedule_version"), slug=slug
    )


def _steps(practice: Practice, params: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """The context of every step reached by `params`; an invalid choice stops there with an
    error message instead of going further."""
    context: dict[str, Any] = {"practice": practice, "errors": [], "params": params}
    service_id = params.get("service")
    if service_id is None:
        context["services"] = list(Service.objects.bookable_online().filter(practice=practice))
        return context
    service = Service.objects.bookable_online().filter(practice=practice, pk=service_id).first()
    if service is None:
        context["errors"].append(_("This service does not exist or cannot be booked."))
        context["services"] = list(Service.objects.bookable_online().filter(practice=practice))
        return context
    context["service"] = service
    offering = list(service.professionals.filter(is_active=True).order_by("display_name"))
    context["professionals"] = offering
    choice = params.get("professional")
    if choice is None:
        return context
    if choice == ANY:
        chosen = offering
    else:
        chosen = [p for p in offering if p.pk == choice]
        if not chosen:
            context["errors"].append(_("This professional does not offer this service."))
            return context
        context["professional"] = chosen[0]
    context["choice"] = choice
    context["link_base"] = f"?service={service.pk}&professional={choice}&"
    if not chosen:
        context["errors"].append(_("Nobody offers this service online at the moment."))
        return context

    day: date | None = params.get("day")
    month = params.get("month") or (day.replace(day=1) if day else None)
    month = month or now.astimezone(ZoneInfo(practice.timezone)).date()
    try:
        cal = month_calendar(
            practice=practice, service=service, professionals=chosen, month=month, now=now
        )
    except ServiceError as error:
        context["errors"].append(error.message)
        return context
    context["calendar"] = cal
    context["waitlist_form"] = waitlist_form_for(day)
    if day is None:
        return context
    context["day"] = day
    context["slots"] = cal.days.get(day, []) if day.replace(day=1) == cal.month else []
    start = params.get("start")
    if start is None:
        return context
    slot = next((s for s in context["slots"] if s.start == start), None)
    if slot is None:
        context["errors"].append(
            _("That time is not available. Please choose one of the free slots.")
        )
        return context
    context["slot"] = slot
    context["slot_professional"] = next(p for p in offering if p.pk == slot.professional_id)
    window = cancellation_hours_for(practice)
    context["cancellation_hours"] = window
    context["inside_cancellation_window"] = slot.start - now < timedelta(hours=window)
    return context


def _render(request, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    template = f"{PAGE}#steps" if request.htmx else PAGE
    return render(request, template, context, status=status)


def _booking_form(practice: Practice, context: dict[str, Any], **kwargs) -> BookingForm:
    """The details form, linked to the practice's privacy notice (shown next to it)."""
    context["privacy_notice"] = notice_current(practice)
    return BookingForm(
        notice_url=reverse("privacy_public:notice", args=[practice.slug]),
        offer_marketing=privacy_settings_for(practice).marketing_consent_offered,
        **kwargs,
    )


def _record_consents(client, data: dict[str, Any]) -> None:
    channel = ConsentChannel.BOOKING_PAGE
    consent_record(
        client=client, purpose=ConsentPurpose.APPOINTMENTS, granted=True, channel=channel
    )
    if data["sms_consent"] and client.phone:
        consent_record(client=client, purpose=ConsentPurpose.SMS, granted=True, channel=channel)
    if data.get("marketing"):
        consent_record(
            client=client, purpose=ConsentPurpose.MARKETING, granted=True, channel=channel
        )


def _initial_for(user) -> dict[str, str]:
    if not user.is_authenticated:
        return {}
    return {"full_name": user.get_full_name(), "email": user.email}


@require_GET
def booking_page(request: HttpRequest, practice_slug: str) -> HttpResponse:
    practice = _practice(practice_slug)
    if availability_reads_exceeded(_client_ip(request)):
        message = _(
            "We have received many requests from your connection. "
            "Please try again in an hour, or call the practice."
        )
        return _too_many(request, practice, message=message, heading=_("Too many requests"))
    step = StepForm(request.GET)
    params = step.cleaned_data if step.is_valid() else {}
    context = _steps(practice, params, now=timezone.now())
    status = 200
    if not step.is_valid():
        context["errors"].append(_("That link is not valid any more. Please start again."))
        status = 400
    elif context["errors"]:
        status = 400
    if "slot" in context:
        context["form"] = _booking_form(
            practice,
            context,
            initial={
                "service": context["service"].pk,
                "professional": context["slot"].professional_id,
                "start": context["slot"].value,
                "choice": context["choice"],
                **_initial_for(request.user),
            },
        )
        _offer_challenge(request, context)
    return _render(request, context, status=status)


def _offer_challenge(request: HttpRequest, context: dict[str, Any]) -> None:
    """The proof-of-work widget goes with the form once this address needs it."""
    email = request.POST.get("email", "") if request.method == "POST" else ""
    if challenge_shown(ip=_client_ip(request), practice_id=context["practice"].pk, email=email):
        context["challenge_strings"] = widget_strings()


def _client_ip(request: HttpRequest) -> str:
    # allauth's adapter honours TRUSTED_PROXY_COUNT (X-Forwarded-For behind a reverse proxy).
    return get_account_adapter().get_client_ip(request)


def _rate_limited(request: HttpRequest) -> bool:
    """At most BOOKINGS_PER_HOUR booking attempts per IP address and hour."""
    key = f"booking-attempts:{_client_ip(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        attempts = 1
    return attempts > BOOKINGS_PER_HOUR


def _too_many(
    request: HttpRequest, practice: Practice, *, message: str = "", heading: str = ""
) -> HttpResponse:
    context = {"practice": practice, "message": message, "heading": heading}
    return render(request, "booking/public/rate_limited.html", context, status=429)


def _retry_params(form: BookingForm, practice: Practice, *, keep_start: bool) -> dict[str, Any]:
    """The steps to show again after a refused POST, from whatever the POST got right."""
    data = form.data.copy()
    if data.get("choice") == ANY:
        data["professional"] = ANY
    step = StepForm(data)
    params = {
        key: value
        for key, value in (step.cleaned_data if step.is_valid() else {}).items()
        if value is not None
    }
    start = params.get("start")
    if start is not None:
        params["day"] = start.astimezone(ZoneInfo(practice.timezone)).date()
        if not keep_start:
            del params["start"]
    return params


@require_POST
def booking_submit(request: HttpRequest, practice_slug: str) -> HttpResponse:
    practice = _practice(practice_slug)
    if _rate_limited(request):
        return _too_many(request, practice)
    form = _booking_form(practice, {}, data=request.POST)
    now = timezone.now()
    refusal = challenge_refusal(
        ip=_client_ip(request),
        email=request.POST.get("email", ""),
        practice_id=practice.pk,
        payload=request.POST.get("altcha", ""),
    )
    if refusal:
        form.is_valid()
        form.add_error(None, refusal)
    elif form.is_valid():
        data = form.cleaned_data
        refusal = booking_attempt_refusal(practice=practice, email=data["email"])
        if refusal:
            return _too_many(request, practice, message=refusal)
        service = Service.objects.filter(practice=practice, pk=data["service"]).first()
        professional = practice.professionals.filter(pk=data["professional"]).first()
        user = request.user if request.user.is_authenticated else None
        try:
            if service is None:
                raise ServiceError(
                    _("This service does not exist or cannot be booked."), field="service"
                )
            if professional is None:
                raise ServiceError(
                    _("Choose a professional of this practice."), field="professional"
                )
            # Client and appointment together, or neither.
            with transaction.atomic():
                client = client_for_booking(
                    practice=practice,
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                    user=user if user and user.email.lower() == data["email"].lower() else None,
                    privacy_accepted=data["privacy"],
                )
                # Before booking, so that the confirmation already goes out by SMS too.
                _record_consents(client, data)
                appointment = appointment_book(
                    practice=practice,
                    professional=professional,
                    service=service,
                    client=client,
                    start=data["start"],
                    by=user,
                    by_client=True,
                    notes=data["notes"],
                    now=now,
                    email_check=needs_email_check(
                        practice=practice, user=user, email=data["email"]
                    ),
                )
        except SlotTaken as error:
            context = _steps(practice, _retry_params(form, practice, keep_start=False), now=now)
            context["errors"].append(error.message)
            return _render(request, context, status=409)
        except OnlineBookingPaused as error:
            heading = _("Too many bookings right now")
            return _too_many(request, practice, message=error.message, heading=heading)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            note_public_booking(practice.pk)
            return redirect(
                "public_booking:done", practice_slug=practice.slug, token=appointment.token
            )
    context = _steps(practice, _retry_params(form, practice, keep_start=True), now=now)
    context["form"] = form
    context["privacy_notice"] = notice_current(practice)
    _offer_challenge(request, context)
    return _render(request, context, status=400)


@require_GET
def booking_done(request: HttpRequest, practice_slug: str, token: str) -> HttpResponse:
    appointment = appointment_for_token(token)
    if appointment.practice.slug != practice_slug:
        raise Http404
    return render(request, "booking/public/done.html", {"appointment": appointment})


def email_check(request: HttpRequest, practice_slug: str, token: str) -> HttpResponse:
    """The link in the "confirm your email" message: a page with one button (a GET changes
    nothing, so that mail scanners opening links do not confirm for the client)."""
    practice = _practice(practice_slug)
    appointment = appointment_for_email_check(practice=practice, token=token)
    context = {"practice": practice, "appointment": appointment}
    if appointment is None:
        context["error"] = _("This link is not valid. Copy the whole link from the email.")
        return render(request, "booking/public/email_check.html", context, status=404)
    if appointment.unverified_until is None and appointment.status != "cancelled":
        return redirect("public_booking:done", practice_slug=practice.slug, token=appointment.token)
    if request.method == "POST":
        try:
            appointment_confirm_email(appointment=appointment)
        except ServiceError as error:
            context["error"] = error.message
            return render(request, "booking/public/email_check.html", context, status=409)
        return redirect("public_booking:done", practice_slug=practice.slug, token=appointment.token)
    if email_check_lapsed(appointment, timezone.now()):
        context["error"] = EMAIL_CHECK_LAPSED
        return render(request, "booking/public/email_check.html", context, status=409)
    return render(request, "booking/public/email_check.html", context)

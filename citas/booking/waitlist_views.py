"""Waiting list pages: joining from the public page, the offer's claim link, leaving, and the
practice's list per service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from citas.catalog.models import Service
from citas.core.errors import ServiceError, add_service_error
from citas.notifications.rendering import site_url
from citas.practices.models import Practice
from citas.practices.selectors import require_membership
from citas.privacy.services import client_link_renew

from .models import WaitlistEntry
from .public_views import _rate_limited
from .waitlist import (
    OPEN_STATUSES,
    STAFF_ROLES,
    offer_is_open,
    open_entries,
    waitlist_claim,
    waitlist_join,
    waitlist_leave,
)
from .waitlist_forms import WaitlistJoinForm

PAGE = "booking/public/waitlist.html"


def _practice(slug: str) -> Practice:
    return get_object_or_404(Practice.objects.select_related("booking_policy"), slug=slug)


def _entry(practice_slug: str, token: str) -> WaitlistEntry:
    return get_object_or_404(
        WaitlistEntry.objects.select_related("practice", "service", "offered_professional"),
        practice__slug=practice_slug,
        token=token,
    )


@require_POST
def join(request: HttpRequest, practice_slug: str) -> HttpResponse:
    practice = _practice(practice_slug)
    if _rate_limited(request):
        return render(
            request, "booking/public/rate_limited.html", {"practice": practice}, status=429
        )
    form = WaitlistJoinForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        service = Service.objects.filter(practice=practice, pk=data["service"]).first()
        professional = None
        if data["professional"] is not None:
            professional = practice.professionals.filter(pk=data["professional"]).first()
        try:
            if service is None:
                raise ServiceError(_("This service does not exist or cannot be booked."))
            if data["professional"] is not None and professional is None:
                raise ServiceError(_("This professional does not offer this service."))
            entry = waitlist_join(
                practice=practice,
                service=service,
                professional=professional,
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                part_of_day=data["part_of_day"],
                language=get_language() or "es",
                now=timezone.now(),
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            return redirect("public_booking:waitlist_offer", practice.slug, entry.token)
    context = {"practice": practice, "form": form, "page": "join"}
    return render(request, PAGE, context, status=400)


@require_http_methods(["GET", "POST"])
def offer(request: HttpRequest, practice_slug: str, token: str) -> HttpResponse:
    """The entry's page: where it stands and, while an offer is open, the button to book it."""
    entry = _entry(practice_slug, token)
    error, status = "", 200
    if request.method == "POST":
        try:
            appointment = waitlist_claim(entry=entry, now=timezone.now())
        except ServiceError as refused:
            error, status = refused.message, 409 if refused.code == "offer_taken" else 400
            entry.refresh_from_db()
        else:
            return redirect("public_booking:done", practice_slug, appointment.token)
    context = {
        "practice": entry.practice,
        "entry": entry,
        "page": "offer",
        "open_offer": offer_is_open(entry, timezone.now()),
        "on_list": entry.status in OPEN_STATUSES,
        "error": error,
    }
    return render(request, PAGE, context, status=status)


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, practice_slug: str, token: str) -> HttpResponse:
    entry = _entry(practice_slug, token)
    if request.method == "POST":
        entry = waitlist_leave(entry=entry)
    context = {
        "practice": entry.practice,
        "entry": entry,
        "page": "leave",
        "on_list": entry.status in OPEN_STATUSES,
    }
    return render(request, PAGE, context)


def _staff_practice(request: HttpRequest) -> Practice:
    membership = require_membership(request)
    if membership.role not in STAFF_ROLES:
        raise Http404
    return membership.practice


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    practice = _staff_practice(request)
    entries = open_entries(practice=practice)
    return render(
        request, "booking/staff/waitlist.html", {"practice": practice, "entries": entries}
    )


@login_required
@require_POST
def staff_remove(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _staff_practice(request)
    entry = get_object_or_404(WaitlistEntry, practice=practice, pk=pk)
    waitlist_leave(entry=entry)
    messages.success(
        request, _("%(name)s is no longer on the waiting list.") % {"name": entry.full_name}
    )
    return redirect("booking_staff:waitlist")


@login_required
@require_POST
def staff_link_renew(request: HttpRequest, pk: int) -> HttpResponse:
    """A new link for a waiting-list entry (the old one was forwarded or leaked)."""
    practice = _staff_practice(request)
    entry = get_object_or_404(
        WaitlistEntry.objects.select_related("practice"),
        practice=practice,
        pk=pk,
        status__in=OPEN_STATUSES,
    )
    token = client_link_renew(obj=entry, by=request.user, request=request)
    url = site_url(reverse("public_booking:waitlist_offer", args=[practice.slug, token]))
    messages.success(
        request,
        _("New link for %(name)s: %(url)s. The old link no longer works.")
        % {"name": entry.full_name, "url": url},
    )
    return redirect("booking_staff:waitlist")

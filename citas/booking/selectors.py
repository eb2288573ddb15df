from django.db.models import Q
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from citas.practices.selectors import require_membership

from .models import Appointment, Client

TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


def appointment_for_member(request: HttpRequest, pk: int) -> Appointment:
    """An appointment of the practice the user works in, or 404."""
    membership = require_membership(request)
    return get_object_or_404(
        Appointment.objects.select_related(
            "practice__booking_policy", "professional", "service", "client"
        ),
        pk=pk,
        practice=membership.practice,
    )


def client_for_member(request: HttpRequest, pk: int) -> Client:
    """A client of the practice the user works in, or 404."""
    membership = require_membership(request)
    return get_object_or_404(Client, pk=pk, practice=membership.practice)


def appointment_for_token(token: str) -> Appointment:
    """The appointment behind a manage link, or 404."""
    if len(token) != TOKEN_LENGTH:
        raise Http404
    return get_object_or_404(
        Appointment.objects.select_related(
            "practice__booking_policy", "professional", "service", "client"
        ),
        token=token,
    )


def _client_filter(user) -> Q:
    verified = list(user.emailaddress_set.filter(verified=True).values_list("email", flat=True))
    condition = Q(client__user=user)
    for email in verified:
        condition |= Q(client__email__iexact=email)
    return condition


def appointments_for_user(user):
    """Every appointment, across practices, booked by or for this account."""
    return (
        Appointment.objects.filter(_client_filter(user))
        .select_related("practice__booking_policy", "professional", "service", "client")
        .order_by("start")
    )


def appointment_for_user(user, pk: int) -> Appointment:
    """One of the account's appointments, or 404."""
    return get_object_or_404(appointments_for_user(user), pk=pk)


def upcoming_active_count(*, practice, email: str, now) -> int:
    """Pending or confirmed appointments still ahead at this practice for clients with this
    email address (a client may hold several client records with the same address)."""
    return (
        Appointment.objects.active()
        .filter(practice=practice, client__email__iexact=email, start__gt=now)
        .count()
    )

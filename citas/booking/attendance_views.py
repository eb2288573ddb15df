"""The two answers of a reminder: "I'll be there" and "I can't come".

The links in the email open a page (GET changes nothing: mail scanners open links); its one
button POSTs the answer. The manage token is the only key, as for the manage link.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from citas.core.errors import ServiceError

from .attendance import appointment_client_confirm, release_deadline
from .models import ACTIVE_STATUSES
from .selectors import appointment_for_token
from .services import appointment_cancel

PAGE = "booking/client/attendance.html"


def _page(request, appointment, *, answer: str, error: str = "", status: int = 200):
    context = {
        "appointment": appointment,
        "practice": appointment.practice,
        "answer": answer,
        "active": appointment.status in ACTIVE_STATUSES and appointment.start > timezone.now(),
        "done": request.GET.get("hecho") == "1",
        "error": error,
        "release_at": release_deadline(appointment),
    }
    return render(request, PAGE, context, status=status)


@require_http_methods(["GET", "POST"])
def attend(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_for_token(token)
    if request.method == "POST":
        try:
            appointment_client_confirm(appointment=appointment)
        except ServiceError as error:
            return _page(request, appointment, answer="attend", error=error.message, status=400)
        return redirect(f"{request.path}?hecho=1")
    return _page(request, appointment, answer="attend")


@require_http_methods(["GET", "POST"])
def decline(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_for_token(token)
    if request.method == "POST":
        try:
            appointment_cancel(appointment=appointment, by=request.user, by_client=True)
        except ServiceError as error:
            return _page(request, appointment, answer="decline", error=error.message, status=400)
        return redirect(f"{request.path}?hecho=1")
    return _page(request, appointment, answer="decline")

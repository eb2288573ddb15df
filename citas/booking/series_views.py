"""The agenda's series booking: preview every occurrence, then book the kept ones."""

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from citas.core.errors import ServiceError, add_service_error

from . import series, services
from .staff_forms import chosen_starts, series_rows


def agenda_book_series(request: HttpRequest, form) -> HttpResponse:
    """First the preview (every occurrence and what stands in its way, nothing saved); then,
    with the rows the staff kept or moved, the whole series in one transaction."""
    data, practice = form.cleaned_data, form.practice
    rows = None
    try:
        if "series_confirm" in request.POST:
            starts, error = chosen_starts(request.POST, form.tz)
            if error:
                raise ServiceError(error)
            with transaction.atomic():
                client = data["client"] or services.client_for_booking(
                    practice=practice,
                    full_name=data["full_name"],
                    email=data["email"],
                    phone=data["phone"],
                )
                booked = series.series_book(
                    practice=practice,
                    professional=data["professional"],
                    service=data["service"],
                    client=client,
                    frequency=data["frequency"],
                    starts=starts,
                    by=request.user,
                    notes=data["notes"],
                )
            appointments = list(booked.appointments.order_by("start"))
            response = render(
                request,
                "booking/staff/book_form.html#series_booked",
                {"series": booked, "appointments": appointments, "client": client},
            )
            response["HX-Trigger"] = "appointment-booked"
            return response
        starts = series.series_starts(
            start=data["start"],
            frequency=data["frequency"],
            tz=form.tz,
            count=data["count"],
            until=data["until"],
        )
        rows = series_rows(
            series.series_preview(
                practice=practice,
                professional=data["professional"],
                service=data["service"],
                starts=starts,
            ),
            form.tz,
        )
    except ServiceError as error:
        add_service_error(form, error)
    return render(request, "booking/staff/book_form.html", {"form": form, "series_rows": rows})

"""Staff endpoints for recurring series: preview, book, and cancel or move one occurrence,
this and the following, or the whole series."""

from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from citas.booking import series as series_services
from citas.booking.models import Appointment, AppointmentChannel, Client
from citas.catalog.models import Service
from citas.practices.models import Professional

from ..selectors import appointment_of
from ..serializers import (
    AppointmentSerializer,
    SeriesCancelSerializer,
    SeriesCreateSerializer,
    SeriesMoveSerializer,
    SeriesOccurrenceSerializer,
    SeriesPreviewSerializer,
    SeriesSerializer,
)
from .appointments import StaffView
from .common import errors, of_practice, parsed, practice_of

TAG = "series"


def _professional(practice, pk):
    return of_practice(
        Professional, practice, pk, "professional", _("Choose a professional of this practice.")
    )


def _service(practice, pk):
    return of_practice(Service, practice, pk, "service", _("Choose a service of this practice."))


class SeriesPreview(StaffView):
    @extend_schema(
        operation_id="series_preview",
        tags=[TAG],
        request=SeriesPreviewSerializer,
        responses={200: SeriesOccurrenceSerializer(many=True), **errors(400, 401, 403, 413)},
        description=_("Each occurrence with what would refuse it. Nothing is saved."),
    )
    def post(self, request):
        practice = practice_of(request)
        data = parsed(SeriesPreviewSerializer, request.data)
        starts = series_services.series_starts(
            start=data["start"],
            frequency=data["frequency"],
            tz=ZoneInfo(practice.timezone),
            count=data["count"],
            until=data["until"],
        )
        occurrences = series_services.series_preview(
            practice=practice,
            professional=_professional(practice, data["professional"]),
            service=_service(practice, data["service"]),
            starts=starts,
        )
        return Response(SeriesOccurrenceSerializer(occurrences, many=True).data)


def _series_body(series) -> dict:
    appointments = Appointment.objects.filter(series=series).select_related(
        "professional", "service", "client"
    )
    return SeriesSerializer(
        {
            "id": series.pk,
            "frequency": series.frequency,
            "client_id": series.client_id,
            "service_id": series.service_id,
            "appointments": appointments.order_by("start", "pk"),
        }
    ).data


class SeriesCreate(StaffView):
    @extend_schema(
        operation_id="series_create",
        tags=[TAG],
        request=SeriesCreateSerializer,
        responses={201: SeriesSerializer, **errors(400, 401, 403, 409, 413)},
        description=_("Books every start in one transaction, or none."),
    )
    def post(self, request):
        practice = practice_of(request)
        data = parsed(SeriesCreateSerializer, request.data)
        series = series_services.series_book(
            practice=practice,
            professional=_professional(practice, data["professional"]),
            service=_service(practice, data["service"]),
            client=of_practice(
                Client, practice, data["client"], "client", _("Choose a client of this practice.")
            ),
            frequency=data["frequency"],
            starts=data["starts"],
            by=request.user,
            channel=AppointmentChannel.API,
            notes=data["notes"],
        )
        return Response(_series_body(series), status=status.HTTP_201_CREATED)


def _changed(appointments) -> Response:
    rows = Appointment.objects.filter(pk__in=[a.pk for a in appointments]).select_related(
        "professional", "service", "client"
    )
    return Response(AppointmentSerializer(rows.order_by("start", "pk"), many=True).data)


class SeriesCancel(StaffView):
    @extend_schema(
        operation_id="appointments_series_cancel",
        tags=[TAG],
        request=SeriesCancelSerializer,
        responses={200: AppointmentSerializer(many=True), **errors(400, 401, 403, 404, 413)},
        description=_("Cancel this appointment, this and the following, or the whole series."),
    )
    def post(self, request, pk: int):
        appointment = appointment_of(practice_of(request), pk)
        data = parsed(SeriesCancelSerializer, request.data)
        return _changed(
            series_services.series_cancel(
                appointment=appointment, scope=data["scope"], by=request.user, reason=data["reason"]
            )
        )


class SeriesMove(StaffView):
    @extend_schema(
        operation_id="appointments_series_move",
        tags=[TAG],
        request=SeriesMoveSerializer,
        responses={200: AppointmentSerializer(many=True), **errors(400, 401, 403, 404, 409, 413)},
        description=_(
            "Move this appointment (and optionally to another professional); the others in the "
            "scope move by as many days, to the same new local time and professional. All move "
            "or none; a refusal lists every occurrence that does not fit."
        ),
    )
    def post(self, request, pk: int):
        practice = practice_of(request)
        appointment = appointment_of(practice, pk)
        data = parsed(SeriesMoveSerializer, request.data)
        professional = data.get("professional")
        if professional is not None:
            professional = _professional(practice, professional)
        return _changed(
            series_services.series_move(
                appointment=appointment,
                scope=data["scope"],
                start=data["start"],
                professional=professional,
                by=request.user,
            )
        )

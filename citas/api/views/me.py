"""A signed-in client's own appointments, across practices."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from citas.booking.selectors import appointments_for_user
from citas.booking.services import appointment_cancel, appointment_reschedule

from ..models import ApiToken
from ..pagination import StartCursorPagination
from ..permissions import HasTokenScope
from ..serializers import MyAppointmentSerializer, MyRescheduleSerializer, ReasonSerializer
from .common import errors, page_of, parsed

TAG = "me"


class MyView(APIView):
    permission_classes = [IsAuthenticated, HasTokenScope]
    scope = "me"

    def my_appointments(self):
        """A practice's token sees the user's appointments at that practice only; a personal
        token (or the browser session) sees them all."""
        rows = appointments_for_user(self.request.user)
        token = self.request.auth
        if isinstance(token, ApiToken) and token.practice_id is not None:
            rows = rows.filter(practice_id=token.practice_id)
        return rows

    def my_appointment(self, pk: int):
        return get_object_or_404(self.my_appointments(), pk=pk)


class MyAppointmentList(MyView):
    @extend_schema(
        operation_id="me_appointments_list",
        tags=[TAG],
        responses={200: page_of(MyAppointmentSerializer, "MyAppointmentPage"), **errors(400, 401)},
    )
    def get(self, request):
        rows = self.my_appointments().order_by()
        paginator = StartCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(MyAppointmentSerializer(page, many=True).data)


class MyAppointmentCancel(MyView):
    @extend_schema(
        operation_id="me_appointments_cancel",
        tags=[TAG],
        request=ReasonSerializer,
        responses={200: MyAppointmentSerializer, **errors(400, 401, 404, 413)},
    )
    def post(self, request, pk: int):
        appointment = self.my_appointment(pk)
        data = parsed(ReasonSerializer, request.data)
        appointment = appointment_cancel(
            appointment=appointment, by=request.user, by_client=True, reason=data["reason"]
        )
        return Response(MyAppointmentSerializer(appointment).data)


class MyAppointmentReschedule(MyView):
    @extend_schema(
        operation_id="me_appointments_reschedule",
        tags=[TAG],
        request=MyRescheduleSerializer,
        responses={200: MyAppointmentSerializer, **errors(400, 401, 404, 409, 413)},
    )
    def post(self, request, pk: int):
        appointment = self.my_appointment(pk)
        data = parsed(MyRescheduleSerializer, request.data)
        appointment = appointment_reschedule(
            appointment=appointment, start=data["start"], by=request.user, by_client=True
        )
        return Response(MyAppointmentSerializer(appointment).data)

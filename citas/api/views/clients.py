"""Staff endpoints for the clients of the token's (or session's) practice."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from citas.booking import services
from citas.booking.staff_forms import ClientForm
from citas.core.errors import ServiceError
from citas.privacy.models import AuditAction
from citas.privacy.selectors import can_see_client_notes
from citas.privacy.services import audit_record

from ..pagination import NameCursorPagination, StartCursorPagination
from ..permissions import membership_for
from ..selectors import client_of, clients_for_api
from ..serializers import (
    AppointmentSerializer,
    ClientInputSerializer,
    ClientMergeSerializer,
    ClientSearchSerializer,
    ClientSerializer,
)
from .appointments import StaffView
from .common import errors, field_error, form_error, page_of, parsed, practice_of

TAG = "clients"
FIELDS = ("full_name", "email", "phone", "notes")


def shows_notes(request) -> bool:
    """Client notes (often health data) reach the API caller only if the pages would show them."""
    return can_see_client_notes(membership_for(request))


def _client_data(request, client_or_page, **kwargs):
    return ClientSerializer(
        client_or_page, context={"show_notes": shows_notes(request)}, **kwargs
    ).data


def _save(*, practice, data: dict, instance=None):
    """Save through the staff pages' own form: the same rules (e.g. one client per email)."""
    current = {name: getattr(instance, name) for name in FIELDS} if instance else {}
    form = ClientForm({**current, **data}, instance=instance, practice=practice)
    if not form.is_valid():
        raise form_error(form)
    return form.save()


class ClientList(StaffView):
    scope = "clients"

    @extend_schema(
        operation_id="clients_list",
        tags=[TAG],
        parameters=[ClientSearchSerializer],
        responses={200: page_of(ClientSerializer, "ClientPage"), **errors(400, 401, 403)},
    )
    def get(self, request):
        query = parsed(ClientSearchSerializer, request.query_params)
        rows = clients_for_api(practice=practice_of(request), search=query.get("search", ""))
        paginator = NameCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(_client_data(request, page, many=True))

    @extend_schema(
        operation_id="clients_create",
        tags=[TAG],
        request=ClientInputSerializer,
        responses={201: ClientSerializer, **errors(400, 401, 403, 413)},
    )
    def post(self, request):
        data = parsed(ClientInputSerializer, request.data)
        client = _save(practice=practice_of(request), data=data)
        return Response(_client_data(request, client), status=status.HTTP_201_CREATED)


class ClientDetail(StaffView):
    scope = "clients"

    @extend_schema(
        operation_id="clients_retrieve",
        tags=[TAG],
        responses={200: ClientSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, pk: int):
        client = client_of(practice_of(request), pk)
        audit_record(
            practice=client.practice,
            actor=request.user,
            action=AuditAction.CLIENT_VIEWED,
            obj=client,
            request=request,
            data={"via": "api"},
        )
        return Response(_client_data(request, client))

    @extend_schema(
        operation_id="clients_update",
        tags=[TAG],
        request=ClientInputSerializer(partial=True),
        responses={200: ClientSerializer, **errors(400, 401, 403, 404, 413)},
    )
    def patch(self, request, pk: int):
        practice = practice_of(request)
        client = client_of(practice, pk)
        data = parsed(ClientInputSerializer, request.data, partial=True)
        if "notes" in data and not shows_notes(request):
            # The edit page has no notes field for this member either.
            raise PermissionDenied(_("Your role may not see or change client notes."))
        client = _save(practice=practice, data=data, instance=client)
        return Response(_client_data(request, client))


class ClientAppointments(StaffView):
    scope = "clients"

    @extend_schema(
        operation_id="clients_appointments",
        tags=[TAG],
        responses={
            200: page_of(AppointmentSerializer, "AppointmentPage"),
            **errors(400, 401, 403, 404),
        },
    )
    def get(self, request, pk: int):
        client = client_of(practice_of(request), pk)
        rows = client.appointments.select_related("professional", "service", "client")
        paginator = StartCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(AppointmentSerializer(page, many=True).data)


class ClientMerge(StaffView):
    scope = "clients"

    @extend_schema(
        operation_id="clients_merge",
        tags=[TAG],
        request=ClientMergeSerializer,
        responses={200: ClientSerializer, **errors(400, 401, 403, 404, 413)},
    )
    def post(self, request, pk: int):
        practice = practice_of(request)
        keep = client_of(practice, pk)
        data = parsed(ClientMergeSerializer, request.data)
        duplicate = client_of(practice, data["duplicate"])
        try:
            keep = services.client_merge(
                practice=practice, keep=keep, merge=duplicate, by=request.user
            )
        except ServiceError as error:
            raise field_error("duplicate", error.message) from error
        return Response(_client_data(request, keep))

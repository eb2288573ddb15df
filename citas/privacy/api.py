"""API: GET /api/v1/clients/{id}/export/ — the client's data (right of access and
portability), the same JSON as the datos.json file of the staff page's ZIP."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from citas.api.selectors import client_of
from citas.api.views.appointments import StaffView
from citas.api.views.clients import shows_notes
from citas.api.views.common import errors, practice_of

from .export import client_export_data
from .models import AuditAction
from .services import audit_record


class _PracticeSerializer(serializers.Serializer):
    name = serializers.CharField()
    address = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()


class _ProfileSerializer(serializers.Serializer):
    full_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.CharField()
    notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    privacy_accepted_at = serializers.DateTimeField(allow_null=True)


class _EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    by_client = serializers.BooleanField()


class _AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    service = serializers.CharField()
    professional = serializers.CharField()
    status = serializers.CharField()
    notes = serializers.CharField()
    history = _EventSerializer(many=True)


class _ConsentSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    granted = serializers.BooleanField()
    channel = serializers.CharField()
    at = serializers.DateTimeField()
    notice_version = serializers.IntegerField(allow_null=True)


class _NotificationSerializer(serializers.Serializer):
    kind = serializers.CharField()
    channel = serializers.CharField()
    recipient = serializers.CharField()
    status = serializers.CharField()
    due_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)


class ClientExportSerializer(serializers.Serializer):
    format_version = serializers.IntegerField()
    generated_at = serializers.DateTimeField()
    practice = _PracticeSerializer()
    profile = _ProfileSerializer()
    appointments = _AppointmentSerializer(many=True)
    consents = _ConsentSerializer(many=True)
    notifications = _NotificationSerializer(many=True)


class ClientExport(StaffView):
    scope = "clients"

    @extend_schema(
        operation_id="clients_export",
        tags=["clients"],
        summary="Everything the practice holds about the client (access and portability)",
        responses={200: ClientExportSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, pk: int):
        practice = practice_of(request)
        client = client_of(practice, pk)
        if not shows_notes(request):
            # The export holds the notes; the page refuses it to this member too.
            raise PermissionDenied(_("Your role may not see or change client notes."))
        audit_record(
            practice=practice,
            actor=request.user,
            action=AuditAction.CLIENT_EXPORTED,
            obj=client,
            request=request,
            data={"via": "api"},
        )
        return Response(client_export_data(client, now=timezone.now()))

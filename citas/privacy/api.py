"""API: GET /api/v1/clients/{id}/export/ — the client's data (right of access and
portability), the same JSON as the datos.json file of the staff page's ZIP; and
/api/v1/clients/{id}/consents/ — the client's consent history, and a consent the client gave or
withdrew by phone or in person (the client page's rules)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from citas.api.pagination import NewestCreatedCursorPagination
from citas.api.selectors import client_of
from citas.api.views.appointments import StaffView
from citas.api.views.clients import shows_notes
from citas.api.views.common import errors, page_of, parsed, practice_of

from .export import client_export_data
from .models import AuditAction, ConsentPurpose, ConsentRecord
from .selectors import client_consents
from .services import audit_record, consent_record_by_staff


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


class ConsentRecordSerializer(serializers.ModelSerializer):
    notice_version = serializers.IntegerField(
        source="notice.version", allow_null=True, read_only=True
    )
    recorded_by = serializers.EmailField(
        source="recorded_by.email", allow_null=True, read_only=True
    )
    at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = ConsentRecord
        fields = ["id", "purpose", "granted", "channel", "at", "notice_version", "recorded_by"]


class ConsentInputSerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=ConsentPurpose.choices)
    granted = serializers.BooleanField(
        help_text=gettext_lazy("true: the client accepts; false: the client withdraws it.")
    )


class ClientConsents(StaffView):
    scope = "clients"

    @extend_schema(
        operation_id="clients_consents_list",
        tags=["clients"],
        summary="The client's consents and withdrawals, newest first",
        responses={
            200: page_of(ConsentRecordSerializer, "ConsentRecordPage"),
            **errors(400, 401, 403, 404),
        },
    )
    def get(self, request, pk: int):
        client = client_of(practice_of(request), pk)
        paginator = NewestCreatedCursorPagination()
        page = paginator.paginate_queryset(client_consents(client), request, view=self)
        return paginator.get_paginated_response(ConsentRecordSerializer(page, many=True).data)

    @extend_schema(
        operation_id="clients_consents_create",
        tags=["clients"],
        summary="Record a consent the client gave or withdrew by phone or in person",
        request=ConsentInputSerializer,
        responses={201: ConsentRecordSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        client = client_of(practice_of(request), pk)
        data = parsed(ConsentInputSerializer, request.data)
        record = consent_record_by_staff(
            client=client,
            purpose=data["purpose"],
            granted=data["granted"],
            by=request.user,
            request=request,
        )
        return Response(ConsentRecordSerializer(record).data, status=status.HTTP_201_CREATED)

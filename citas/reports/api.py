"""GET /api/v1/reports/{name}/: the figures of /app/informes/ as JSON, for managers."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from citas.api.permissions import HasTokenScope, IsPracticeManagerOnly
from citas.api.views.common import errors, form_error, parsed, practice_of

from .reports import REPORTS, report_for
from .selectors import cancellation_window_hours
from .tables import Kind
from .views import filtered_period


class ReportQuerySerializer(serializers.Serializer):
    locals()["from"] = serializers.DateField(
        required=False, help_text=_("First local day (default: twelve weeks ago, a Monday).")
    )
    to = serializers.DateField(required=False, help_text=_("Last local day (default: today)."))
    professional = serializers.IntegerField(required=False, min_value=1)
    service = serializers.IntegerField(required=False, min_value=1)


class ReportColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=[Kind.TEXT, Kind.DATE, Kind.COUNT, Kind.RATIO, Kind.HOURS, Kind.EUR],
        help_text=_("ratio: 0 to 1; hours: decimal hours; eur: euros; date: a local day."),
    )


class ReportSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    locals()["from"] = serializers.DateField()
    to = serializers.DateField()
    columns = ReportColumnSerializer(many=True)
    rows = serializers.ListField(
        child=serializers.DictField(), help_text=_("One object per row, keyed by column.")
    )


class ReportDetail(APIView):
    permission_classes = [IsPracticeManagerOnly, HasTokenScope]
    scope = "reports"

    @extend_schema(
        operation_id="reports_retrieve",
        tags=["reports"],
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(REPORTS)),
            ReportQuerySerializer,
        ],
        responses={200: ReportSerializer, **errors(400, 401, 403, 404)},
    )
    def get(self, request, name: str):
        if name not in REPORTS:
            raise Http404
        practice = practice_of(request)
        query = parsed(ReportQuerySerializer, request.query_params)
        data = {
            "start": query.get("from", ""),
            "end": query.get("to", ""),
            "professional": query.get("professional", ""),
            "service": query.get("service", ""),
        }
        form, period = filtered_period(practice, {k: str(v) for k, v in data.items()})
        if period is None:
            renamed = {"start": "from", "end": "to"}
            form.errors.update(
                {renamed[key]: form.errors.pop(key) for key in list(form.errors) if key in renamed}
            )
            raise form_error(form)
        table = report_for(name, practice, period, window_hours=cancellation_window_hours(practice))
        return Response(
            {
                "name": table.name,
                "title": table.title,
                "from": period.first,
                "to": period.last,
                "columns": [
                    {"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns
                ],
                "rows": table.as_dicts(),
            }
        )

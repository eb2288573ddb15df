"""Webhook endpoints of the token's practice: managers only, reads included (secrets)."""

from django.http import QueryDict
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from citas.notifications import selectors, webhooks
from citas.notifications.forms import WebhookEndpointForm

from ..pagination import CreatedCursorPagination, NewestDueCursorPagination
from ..permissions import HasTokenScope, IsPracticeManagerOnly
from ..serializers import (
    EmptySerializer,
    WebhookDeliverySerializer,
    WebhookInputSerializer,
    WebhookSerializer,
)
from .common import errors, form_error, page_of, parsed, practice_of

TAG = "webhooks"


def _checked(url: str, events: list[str]) -> dict:
    """The pages' own form decides what a valid endpoint is (HTTPS, public host, events)."""
    data = QueryDict(mutable=True)
    data["url"] = url
    data.setlist("events", events)
    form = WebhookEndpointForm(data)
    if not form.is_valid():
        raise form_error(form)
    return form.cleaned_data


class ManagerView(APIView):
    permission_classes = [IsPracticeManagerOnly, HasTokenScope]
    scope = "webhooks"


class WebhookList(ManagerView):
    @extend_schema(
        operation_id="webhooks_list",
        tags=[TAG],
        responses={200: page_of(WebhookSerializer, "WebhookPage"), **errors(400, 401, 403)},
    )
    def get(self, request):
        rows = selectors.webhooks_for_practice(practice_of(request))
        paginator = CreatedCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(WebhookSerializer(page, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        tags=[TAG],
        request=WebhookInputSerializer,
        responses={201: WebhookSerializer, **errors(400, 401, 403, 413)},
    )
    def post(self, request):
        data = parsed(WebhookInputSerializer, request.data)
        valid = _checked(data["url"], data["events"])
        endpoint = webhooks.webhook_endpoint_create(
            practice=practice_of(request), url=valid["url"], events=valid["events"]
        )
        if data.get("is_active") is False:
            webhooks.webhook_endpoint_update(endpoint=endpoint, is_active=False, now=timezone.now())
        return Response(WebhookSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetail(ManagerView):
    @extend_schema(
        operation_id="webhooks_retrieve",
        tags=[TAG],
        responses={200: WebhookSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(WebhookSerializer(selectors.webhook_of(practice_of(request), pk)).data)

    @extend_schema(
        operation_id="webhooks_update",
        tags=[TAG],
        request=WebhookInputSerializer(partial=True),
        responses={200: WebhookSerializer, **errors(400, 401, 403, 404, 413)},
    )
    def patch(self, request, pk: int):
        endpoint = selectors.webhook_of(practice_of(request), pk)
        data = parsed(WebhookInputSerializer, request.data, partial=True)
        valid = _checked(data.get("url", endpoint.url), data.get("events", endpoint.events))
        endpoint = webhooks.webhook_endpoint_update(
            endpoint=endpoint,
            url=valid["url"],
            events=valid["events"],
            is_active=data.get("is_active"),
            now=timezone.now(),
        )
        return Response(WebhookSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        tags=[TAG],
        responses={204: None, **errors(401, 403, 404)},
    )
    def delete(self, request, pk: int):
        webhooks.webhook_endpoint_delete(endpoint=selectors.webhook_of(practice_of(request), pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecret(ManagerView):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        tags=[TAG],
        request=EmptySerializer,
        responses={200: WebhookSerializer, **errors(400, 401, 403, 404, 413)},
    )
    def post(self, request, pk: int):
        endpoint = selectors.webhook_of(practice_of(request), pk)
        parsed(EmptySerializer, request.data)
        endpoint = webhooks.webhook_endpoint_rotate_secret(endpoint=endpoint)
        return Response(WebhookSerializer(endpoint).data)


class WebhookDeliveries(ManagerView):
    @extend_schema(
        operation_id="webhooks_deliveries",
        tags=[TAG],
        responses={
            200: page_of(WebhookDeliverySerializer, "WebhookDeliveryPage"),
            **errors(400, 401, 403, 404),
        },
    )
    def get(self, request, pk: int):
        endpoint = selectors.webhook_of(practice_of(request), pk)
        paginator = NewestDueCursorPagination()
        page = paginator.paginate_queryset(selectors.webhook_deliveries(endpoint), request, self)
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

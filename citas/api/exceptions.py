"""Every API error has one shape: {"error": {"code", "message", "fields"}}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from citas.core.errors import ServiceError

CONFLICT_CODES = {"slot_taken"}
TOO_MANY_CODES = {"too_many_bookings"}  # booking.rules.OnlineBookingPaused, with retry_after


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "too_large"


class InvalidCursor(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = gettext_lazy("This cursor is not valid: start again from the first page.")
    default_code = "invalid_cursor"


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    """DRF's nested error detail, flattened to {"field" or "field.sub": [messages]}."""
    if not isinstance(detail, dict):
        return {"non_field_errors": _messages(detail)}
    fields: dict[str, list[str]] = {}
    for name, value in detail.items():
        if isinstance(value, dict):
            for sub, messages in _fields(value).items():
                fields[f"{name}.{sub}"] = messages
        else:
            fields[str(name)] = _messages(value)
    return fields


def error_response(code: str, message, *, status_code: int, fields=None, headers=None):
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return Response(body, status=status_code, headers=headers)


def api_exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database does not answer (down, restarting, out of connections): say so in
        # the API's shape and invite a retry instead of a bare 500.
        message = _("The service is briefly unavailable. Please try again in a moment.")
        return error_response("unavailable", message, status_code=503, headers={"Retry-After": "5"})
    if isinstance(exc, ServiceError):
        message = str(exc.message)
        fields = {exc.field: [message]} if exc.field else {}
        if exc.code in TOO_MANY_CODES:
            retry = {"Retry-After": str(exc.retry_after)}
            return error_response(exc.code, message, status_code=429, headers=retry)
        status_code = 409 if exc.code in CONFLICT_CODES else 400
        return error_response(exc.code, message, status_code=status_code, fields=fields)
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return error_response(
            "invalid",
            _("Check the highlighted values."),
            status_code=response.status_code,
            fields=_fields(exc.detail),
            headers=response.headers,
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = codes if isinstance(codes, str) else "error"
    return Response(
        {"error": {"code": code, "message": " ".join(_messages(detail)), "fields": {}}},
        status=response.status_code,
        headers={k: v for k, v in response.headers.items() if k != "Content-Type"},
    )

from functools import cache

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny

from ..permissions import membership_for
from ..serializers import ErrorSerializer


def errors(*codes: int) -> dict:
    """OpenAPI responses for the error codes an operation can answer."""
    return dict.fromkeys(codes, ErrorSerializer)


@cache
def page_of(serializer_class, name: str):
    """OpenAPI shape of one cursor page of `serializer_class` rows."""
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


def parsed(serializer_class, data, **kwargs) -> dict:
    """Validated input (raising a 400 with field details)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def practice_of(request):
    return membership_for(request).practice


def field_error(field: str, message) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


def of_practice(model, practice, pk: int, field: str, message):
    """The practice's `model` row with this id, or a 400 on `field` (an input, not a URL)."""
    row = model.objects.filter(practice=practice, pk=pk).first()
    if row is None:
        raise field_error(field, message)
    return row


def form_error(form) -> serializers.ValidationError:
    """A Django form's errors, field by field, as the API's 400."""
    return serializers.ValidationError(
        {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    )


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request):
    """Unknown /api/v1/ paths answer in the API's error shape, not with the HTML 404 page."""
    raise NotFound

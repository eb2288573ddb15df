"""The account page where members create, list, renew and revoke their personal API tokens.
Creating and renewing one asks for the password (or second factor) again if the last sign-in
is not recent (allauth's reauthentication)."""

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citas.core.errors import ServiceError, add_service_error
from citas.privacy.models import AuditAction
from citas.privacy.services import audit_record

from .forms import ApiTokenForm
from .models import ApiToken
from .services import api_token_create, api_token_renew, api_token_revoke


def _audit(request: HttpRequest, token: ApiToken, action: AuditAction) -> None:
    """A practice's token goes in that practice's audit log; a personal token (for one's own
    appointments as a client) belongs to no practice."""
    if token.practice_id is None:
        return
    audit_record(
        practice=token.practice, actor=request.user, action=action, obj=token, request=request
    )


@login_required
@reauthentication_required(allow_get=True)
def token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, user=request.user)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, created = api_token_create(user=request.user, **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            _audit(request, token, AuditAction.TOKEN_CREATED)
            # Shown once, in this response only: nothing that can show it again is stored.
            form = ApiTokenForm(user=request.user)
    tokens = ApiToken.objects.filter(user=request.user).select_related("practice")
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "created": created,
            "lifetime_days": settings.API_TOKEN_LIFETIME_DAYS,
        },
        status=201 if created else 200,
    )


@login_required
@require_POST
@reauthentication_required
def token_renew(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at=None)
    api_token_renew(token=token)
    expires = date_format(timezone.localtime(token.expires_at), "DATE_FORMAT")
    messages.success(
        request,
        _("The token “%(name)s” now expires on %(date)s.") % {"name": token.name, "date": expires},
    )
    return redirect("api:tokens")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token)
    _audit(request, token, AuditAction.TOKEN_REVOKED)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api:tokens")

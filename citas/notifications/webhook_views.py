"""Managers' pages for webhook endpoints: list, create, edit events, rotate the secret,
enable/disable, delete, and each endpoint's delivery log with "resend"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citas.core.errors import ServiceError, add_service_error
from citas.practices.selectors import require_membership
from citas.privacy.models import AuditAction
from citas.privacy.services import audit_record

from . import selectors, services, webhooks
from .forms import WebhookEndpointForm, WebhookEventsForm

PAGE_SIZE = 25


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    endpoints = selectors.webhooks_for_practice(membership.practice)
    return render(request, "webhooks/list.html", {"endpoints": endpoints})


def _audit(request: HttpRequest, endpoint, change: str) -> None:
    audit_record(
        practice=endpoint.practice,
        actor=request.user,
        action=AuditAction.WEBHOOK_CHANGED,
        obj=endpoint,
        request=request,
        data={"change": change},
    )


@login_required
def webhook_create(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.webhook_endpoint_create(
                practice=membership.practice,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            _audit(request, endpoint, "created")
            messages.success(request, _("Webhook created. Use its secret to check signatures."))
            return redirect("notifications:webhook", endpoint.pk)
    return render(request, "webhooks/form.html", {"form": form})


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.webhook_for_manager(request, pk)
    form = WebhookEventsForm(request.POST or None, initial={"events": endpoint.events})
    if request.method == "POST" and form.is_valid():
        webhooks.webhook_endpoint_update(
            endpoint=endpoint, events=form.cleaned_data["events"], now=timezone.now()
        )
        _audit(request, endpoint, "events")
        messages.success(request, _("Events saved."))
        return redirect("notifications:webhook", endpoint.pk)
    page = Paginator(selectors.webhook_deliveries(endpoint), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    template = "webhooks/detail.html"
    if request.htmx:
        template += "#deliveries"
    return render(request, template, {"endpoint": endpoint, "form": form, "page": page})


@login_required
@require_POST
def webhook_rotate_secret(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.webhook_for_manager(request, pk)
    webhooks.webhook_endpoint_rotate_secret(endpoint=endpoint)
    _audit(request, endpoint, "secret_rotated")
    messages.success(request, _("New secret created. The old one no longer signs deliveries."))
    return redirect("notifications:webhook", endpoint.pk)


@login_required
@require_POST
def webhook_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.webhook_for_manager(request, pk)
    active = not endpoint.is_active
    webhooks.webhook_endpoint_update(endpoint=endpoint, is_active=active, now=timezone.now())
    _audit(request, endpoint, "enabled" if active else "disabled")
    messages.success(request, _("Webhook enabled.") if active else _("Webhook disabled."))
    return redirect("notifications:webhook", endpoint.pk)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = selectors.webhook_for_manager(request, pk)
    _audit(request, endpoint, "deleted")
    webhooks.webhook_endpoint_delete(endpoint=endpoint)
    messages.success(request, _("Webhook deleted."))
    return redirect("notifications:webhooks")


@login_required
@require_POST
def webhook_resend(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    delivery = selectors.webhook_delivery_for_manager(request, pk, delivery_pk)
    services.notification_resend(notification=delivery, by=request.user)
    messages.success(request, _("The delivery will be sent again shortly."))
    return redirect("notifications:webhook", pk)

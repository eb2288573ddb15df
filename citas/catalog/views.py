from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citas.core.errors import ServiceError, add_service_error
from citas.practices.models import Professional
from citas.practices.selectors import require_membership

from . import services
from .forms import ServiceForm
from .models import Service


def _get_service_for_manager(request: HttpRequest, pk: int) -> Service:
    membership = require_membership(request, manager=True)
    return get_object_or_404(
        Service.objects.select_related("practice"), pk=pk, practice=membership.practice
    )


@login_required
def service_list(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    services_qs = Service.objects.filter(practice=membership.practice).prefetch_related(
        Prefetch("professionals", queryset=Professional.objects.order_by("display_name"))
    )
    return render(
        request,
        "catalog/service_list.html",
        {"services": services_qs.order_by("-is_active", "name")},
    )


@login_required
def service_create(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    form = ServiceForm(request.POST or None, practice=membership.practice)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.service_create(practice=membership.practice, **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Service “%(name)s” created.") % {"name": service})
            return redirect("catalog:list")
    return render(request, "catalog/service_form.html", {"form": form, "service": None})


@login_required
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = _get_service_for_manager(request, pk)
    form = ServiceForm(request.POST or None, instance=service, practice=service.practice)
    if request.method == "POST" and form.is_valid():
        # A fresh copy: a failed validation must not leave the form's instance half-changed.
        target = Service.objects.get(pk=service.pk)
        try:
            services.service_update(service=target, **form.cleaned_data)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("catalog:list")
    return render(request, "catalog/service_form.html", {"form": form, "service": service})


@login_required
@require_POST
def service_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    service = _get_service_for_manager(request, pk)
    services.service_set_active(service=service, is_active=not service.is_active)
    if service.is_active:
        messages.success(request, _("“%(name)s” can be booked again.") % {"name": service})
    else:
        messages.success(request, _("“%(name)s” can no longer be booked.") % {"name": service})
    return redirect("catalog:list")

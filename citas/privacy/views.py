"""Staff pages of data protection: the notice and settings (managers), the audit log, the
blocked data and the record of processing activities (owners), and per client: export,
consents and "Suprimir"."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citas.booking.selectors import client_for_member
from citas.core.errors import ServiceError
from citas.practices.models import Role
from citas.practices.selectors import require_membership

from . import selectors, services
from .erasure import client_block
from .export import client_export_data, client_export_filename, client_export_zip
from .forms import AuditFilterForm, ConsentForm, NoticeForm, PrivacySettingsForm
from .models import AuditAction

PAGE_SIZE = 50


def _require_owner(request: HttpRequest):
    membership = require_membership(request)
    if membership.role != Role.OWNER:
        raise Http404
    return membership


def zip_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    practice = membership.practice
    return render(
        request,
        "privacy/overview.html",
        {
            "practice": practice,
            "is_owner": membership.role == Role.OWNER,
            "notice": selectors.notice_current(practice),
            "versions": selectors.notice_versions(practice)[:20],
            "requests": selectors.open_erasure_requests(practice),
            "options": selectors.privacy_settings_for(practice),
        },
    )


@login_required
def notice_edit(request: HttpRequest) -> HttpResponse:
    practice = require_membership(request, manager=True).practice
    current = selectors.notice_current(practice)
    initial = (
        {name: getattr(current, name) for name in services.NOTICE_FIELDS}
        if current
        else services.notice_defaults(practice)
    )
    form = NoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        notice = services.notice_publish(
            practice=practice, by=request.user, request=request, **form.cleaned_data
        )
        messages.success(
            request,
            _("Version %(version)s of the notice is published.") % {"version": notice.version},
        )
        return redirect("privacy:overview")
    return render(request, "privacy/notice_form.html", {"form": form, "current": current})


@login_required
def settings_edit(request: HttpRequest) -> HttpResponse:
    practice = require_membership(request, manager=True).practice
    form = PrivacySettingsForm(
        request.POST or None, instance=selectors.privacy_settings_for(practice)
    )
    if request.method == "POST" and form.is_valid():
        services.privacy_settings_save(
            settings=form.save(commit=False),
            by=request.user,
            request=request,
            changed=form.changed_data,
        )
        messages.success(request, _("Changes saved."))
        return redirect("privacy:overview")
    return render(request, "privacy/settings_form.html", {"form": form})


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    practice = _require_owner(request).practice
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.audit_entries(
        practice=practice,
        action=filters.get("action", ""),
        object_id=filters.get("object_id", ""),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({key: value for key, value in filters.items() if value})
    return render(request, "privacy/audit_log.html", {"form": form, "page": page, "query": query})


@login_required
@require_GET
def blocked_list(request: HttpRequest) -> HttpResponse:
    practice = _require_owner(request).practice
    return render(
        request, "privacy/blocked_list.html", {"clients": selectors.blocked_clients(practice)}
    )


@login_required
@require_GET
def blocked_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = _require_owner(request).practice
    client = selectors.blocked_client(practice, pk)
    if client is None:
        raise Http404
    services.audit_record(
        practice=practice,
        actor=request.user,
        action=AuditAction.BLOCKED_DATA_VIEWED,
        obj=client,
        request=request,
    )
    return render(
        request,
        "privacy/blocked_detail.html",
        {"client": client, "data": client_export_data(client, now=timezone.now())},
    )


@login_required
@require_GET
def client_export(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_member(request, pk)
    if not selectors.can_see_client_notes(require_membership(request)):
        raise Http404  # the export holds the notes this member may not see
    now = timezone.now()
    content = client_export_zip(client, now=now)
    services.audit_record(
        practice=client.practice,
        actor=request.user,
        action=AuditAction.CLIENT_EXPORTED,
        obj=client,
        request=request,
    )
    return zip_response(content, client_export_filename(client, now=now))


@login_required
@require_POST
def client_consent(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_member(request, pk)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what the client agreed to or withdrew."))
        return redirect("booking_staff:client_detail", pk=client.pk)
    try:
        services.consent_record_by_staff(
            client=client,
            purpose=form.cleaned_data["purpose"],
            granted=form.cleaned_data["granted"],
            by=request.user,
            request=request,
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Consent recorded."))
    return redirect("booking_staff:client_detail", pk=client.pk)


@login_required
def client_erase(request: HttpRequest, pk: int) -> HttpResponse:
    membership = require_membership(request, manager=True)
    client = client_for_member(request, pk)
    if request.method == "POST":
        try:
            client_block(client=client, by=request.user, request=request, now=timezone.now())
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The client's data is blocked and no longer appears anywhere.")
            )
            return redirect("booking_staff:client_list")
    upcoming = client.appointments.filter(
        start__gte=timezone.now(), status__in=["pending", "confirmed"]
    )
    return render(
        request,
        "privacy/client_erase.html",
        {
            "client": client,
            "upcoming": upcoming.select_related("service", "professional"),
            "options": selectors.privacy_settings_for(membership.practice),
        },
    )


@login_required
@require_GET
def processing_record(request: HttpRequest) -> HttpResponse:
    practice = _require_owner(request).practice
    response = render(
        request,
        "privacy/processing_record.html",
        {
            "practice": practice,
            "notice": selectors.notice_current(practice),
            "options": selectors.privacy_settings_for(practice),
            "generated_at": timezone.now(),
        },
    )
    response["Content-Disposition"] = (
        f'attachment; filename="registro-actividades-{practice.slug}.html"'
    )
    return response

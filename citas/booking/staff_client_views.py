"""Staff pages for the client records: list, create, edit, history, merge, and the client
search of the booking modal."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citas.core.errors import ServiceError, add_service_error
from citas.practices.selectors import require_membership
from citas.privacy.models import AuditAction
from citas.privacy.selectors import can_see_client_notes, client_privacy_panel
from citas.privacy.services import audit_record

from . import no_shows, services, staff_selectors
from .models import AppointmentStatus
from .selectors import client_for_member
from .staff_forms import ClientForm, MergeForm
from .staff_views import PAGE_SIZE


@login_required
@require_GET
def client_picker(request: HttpRequest) -> HttpResponse:
    """Search-as-you-type results for the booking modal and the merge page."""
    practice = require_membership(request).practice
    keep_id = request.GET.get("keep", "")
    keep = client_for_member(request, int(keep_id)) if keep_id.isdigit() else None
    found = staff_selectors.client_search(
        practice=practice, search=request.GET.get("q", ""), exclude=keep
    )
    return render(
        request,
        "booking/staff/client_picker.html",
        {"clients": found, "keep": keep, "searched": len(request.GET.get("q", "").strip()) > 1},
    )


@login_required
@require_GET
def client_list(request: HttpRequest) -> HttpResponse:
    practice = require_membership(request).practice
    search = request.GET.get("q", "").strip()[:100]
    rows = staff_selectors.client_list(practice=practice, search=search)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "booking/staff/client_list.html"
    if request.htmx:
        template += "#results"
    return render(request, template, {"page": page, "search": search})


@login_required
def client_create(request: HttpRequest) -> HttpResponse:
    practice = require_membership(request).practice
    form = ClientForm(request.POST or None, practice=practice)
    if request.method == "POST" and form.is_valid():
        client = form.save()
        messages.success(request, _("Client “%(name)s” saved.") % {"name": client})
        return redirect("booking_staff:client_detail", pk=client.pk)
    return render(request, "booking/staff/client_form.html", {"form": form, "client": None})


@login_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_member(request, pk)
    form = ClientForm(request.POST or None, instance=client, practice=client.practice)
    if not can_see_client_notes(require_membership(request)):
        del form.fields["notes"]
    if request.method == "POST" and form.is_valid():
        form.save()
        audit_record(
            practice=client.practice,
            actor=request.user,
            action=AuditAction.CLIENT_CHANGED,
            obj=client,
            request=request,
            data={"fields": form.changed_data},
        )
        messages.success(request, _("Changes saved."))
        return redirect("booking_staff:client_detail", pk=client.pk)
    return render(request, "booking/staff/client_form.html", {"form": form, "client": client})


@login_required
@require_GET
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_member(request, pk)
    membership = require_membership(request)
    history = list(staff_selectors.client_history(client))
    reset_at = client.no_shows_reset_at
    no_shows = sum(
        1
        for a in history
        if a.status == AppointmentStatus.NO_SHOW and (reset_at is None or a.start > reset_at)
    )
    show_notes = can_see_client_notes(membership)
    audit_record(
        practice=membership.practice,
        actor=request.user,
        action=AuditAction.CLIENT_VIEWED,
        obj=client,
        request=request,
    )
    return render(
        request,
        "booking/staff/client_detail.html",
        {
            "client": client,
            "practice": membership.practice,
            "history": history,
            "no_show_count": no_shows,
            "show_notes": show_notes,
            "privacy": client_privacy_panel(
                client, can_erase=membership.can_manage, can_export=show_notes
            ),
        },
    )


@login_required
@require_POST
def client_no_shows_reset(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_member(request, pk)
    no_shows.client_no_shows_reset(client=client)
    messages.success(request, _("The no-show count starts again from zero."))
    return redirect("booking_staff:client_detail", pk=client.pk)


@login_required
def client_merge(request: HttpRequest, pk: int) -> HttpResponse:
    keep = client_for_member(request, pk)
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = MergeForm(data, keep=keep)
    duplicate = form.cleaned_data["merge"] if form.is_bound and form.is_valid() else None
    if request.method == "POST" and duplicate is not None:
        if not form.cleaned_data["confirm"]:
            form.add_error("confirm", _("Tick the box to confirm the merge."))
        else:
            try:
                services.client_merge(
                    practice=keep.practice, keep=keep, merge=duplicate, by=request.user
                )
            except ServiceError as error:
                add_service_error(form, error)
            else:
                audit_record(
                    practice=keep.practice,
                    actor=request.user,
                    action=AuditAction.CLIENT_MERGED,
                    obj=keep,
                    request=request,
                    data={"merged": duplicate.pk},
                )
                messages.success(request, _("The two records are now one."))
                return redirect("booking_staff:client_detail", pk=keep.pk)
    return render(
        request,
        "booking/staff/client_merge.html",
        {"client": keep, "form": form, "duplicate": duplicate},
    )

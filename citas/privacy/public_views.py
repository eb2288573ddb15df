"""The public privacy notice of a practice, and the client's rights from "Mis citas"."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from citas.practices.models import Practice

from . import selectors
from .erasure import erasure_request_create
from .export import client_export_filename, client_export_zip
from .models import ConsentChannel, ConsentPurpose
from .services import consent_record, notice_defaults
from .views import zip_response


def notice_extra(notice, language: str) -> tuple[str, str]:
    """The practice's free text and its language: the visitor's when the practice wrote it,
    else the Spanish one, else the English one. Owners write it in Spanish and English only,
    so Catalan, Basque and Galician visitors read the Spanish text (marked lang="es" on their
    page); a text written in one language only is shown to everyone, never left out."""
    texts = {"es": notice.extra_es.strip(), "en": notice.extra_en.strip()} if notice else {}
    for code in (language, "es", "en"):
        if texts.get(code):
            return texts[code], code
    return "", ""


def notice_context(practice: Practice, notice) -> dict:
    """What the notice template needs: the published version, or the practice's own data
    while no version has been published."""
    extra, extra_language = notice_extra(notice, get_language() or "es")
    return {
        "practice": practice,
        "notice": notice,
        "extra": extra,
        "extra_language": extra_language,
        "values": notice or notice_defaults(practice),
        # A published version states the terms it was published with; before the first one,
        # the generated notice states the current settings.
        "options": notice or selectors.privacy_settings_for(practice),
    }


@require_GET
def notice(request: HttpRequest, practice_slug: str) -> HttpResponse:
    practice = get_object_or_404(Practice, slug=practice_slug)
    version = request.GET.get("v", "")
    if version:
        found = selectors.notice_version(practice, int(version)) if version.isdigit() else None
        if found is None:
            raise Http404
    else:
        found = selectors.notice_current(practice)
    context = notice_context(practice, found)
    context["versions"] = selectors.notice_versions(practice).only("version", "created_at")
    return render(request, "privacy/notice.html", context)


def _clients_for_user(request: HttpRequest, practice_slug: str) -> list:
    clients = selectors.client_records_for_user_at(request.user, practice_slug)
    if not clients:
        raise Http404
    return clients


@login_required
@require_GET
def my_data_export(request: HttpRequest, practice_slug: str) -> HttpResponse:
    client, *more = _clients_for_user(request, practice_slug)
    now = timezone.now()
    return zip_response(
        client_export_zip(client, now=now, more=more), client_export_filename(client, now=now)
    )


@login_required
@require_POST
def my_data_erasure(request: HttpRequest, practice_slug: str) -> HttpResponse:
    clients = _clients_for_user(request, practice_slug)
    now = timezone.now()
    with transaction.atomic():
        erasure = min(
            (
                erasure_request_create(client=c, by=request.user, request=request, now=now)
                for c in clients
            ),
            key=lambda e: e.due_at,
        )
    client = clients[0]
    messages.success(
        request,
        _("Request sent. %(practice)s must answer by %(date)s.")
        % {
            "practice": client.practice.name,
            "date": date_format(timezone.localtime(erasure.due_at), "DATE_FORMAT"),
        },
    )
    return redirect("home")


@login_required
@require_POST
def my_data_sms_withdraw(request: HttpRequest, practice_slug: str) -> HttpResponse:
    clients = _clients_for_user(request, practice_slug)
    with transaction.atomic():
        for c in clients:  # texts stop for every record of the person at the practice
            consent_record(
                client=c,
                purpose=ConsentPurpose.SMS,
                granted=False,
                channel=ConsentChannel.CLIENT_ACCOUNT,
            )
    client = clients[0]
    messages.success(
        request,
        _("%(practice)s will not send you text messages any more.")
        % {"practice": client.practice.name},
    )
    return redirect("home")

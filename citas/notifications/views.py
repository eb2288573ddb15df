import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from citas.core.errors import ServiceError
from citas.practices.selectors import require_membership
from citas.privacy.selectors import feed_client_label

from . import failures, ics, selectors, services
from .forms import DismissFailedForm, NotificationFilterForm, NotificationSettingsForm

PAGE_SIZE = 50
CALENDAR_TYPE = "text/calendar; charset=utf-8"


@login_required
def notification_log(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    form = NotificationFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    notifications = selectors.notifications_for_practice(
        membership.practice,
        status=filters.get("status", ""),
        kind=filters.get("kind", ""),
        dismissed=filters.get("dismissed", ""),
    )
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "notifications/log.html"
    if request.htmx:
        template += "#results"
    # One read gives the alert's count (and the nav badge's, here) and the ids that "dismiss
    # all" sends back: two reads could count a failure that the form leaves out, or the reverse.
    open_failures = functools.cache(lambda: selectors.open_failure_ids(membership.practice))
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "practice": membership.practice,
            "failed_notification_count": lambda: len(open_failures()),
            "open_failure_ids": lambda: ",".join(map(str, open_failures())),
        },
    )


@login_required
@require_POST
def notification_resend(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notification_for_manager(request, pk)
    services.notification_resend(notification=notification, by=request.user)
    messages.success(
        request,
        _("A new copy to %(recipient)s is on its way.") % {"recipient": notification.recipient},
    )
    return redirect("notifications:log")


@login_required
@require_POST
def notifications_resend_failed(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    count = failures.notifications_resend_failed(practice=membership.practice, by=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)s failed notification is on its way again.",
            "%(count)s failed notifications are on their way again.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications:log")


def _change_one_failure(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    """Dismiss or restore one of the manager's practice's failures; `done` names the recipient."""
    notification = selectors.notification_for_manager(request, pk)
    try:
        service(notification=notification, by=request.user, request=request)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"recipient": notification.recipient})
    return redirect("notifications:log")


@login_required
@require_POST
def notification_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_one_failure(
        request,
        pk,
        failures.notification_dismiss,
        _("The notification to %(recipient)s was dismissed. It stays in the log."),
    )


@login_required
@require_POST
def notifications_dismiss_failed(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    form = DismissFailedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was dismissed: reload the page and try again, please."))
        return redirect("notifications:log")
    count = failures.notifications_dismiss_failed(
        practice=membership.practice,
        by=request.user,
        seen_ids=form.cleaned_data["seen"],
        request=request,
    )
    messages.success(
        request,
        ngettext(
            "%(count)s failed notification was dismissed.",
            "%(count)s failed notifications were dismissed.",
            count,
        )
        % {"count": count},
    )
    return redirect("notifications:log")


@login_required
@require_POST
def notification_restore(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_one_failure(
        request,
        pk,
        failures.notification_restore,
        _("The notification to %(recipient)s counts as failed again."),
    )


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    instance = services.settings_for(membership.practice)
    form = NotificationSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Notification settings saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/settings.html", {"form": form})


def _webcal_url(request: HttpRequest, token: str) -> str:
    url = request.build_absolute_uri(reverse("notifications:feed", args=[token]))
    return "webcal://" + url.split("://", 1)[1]


@login_required
def calendar_feed(request: HttpRequest) -> HttpResponse:
    professional = selectors.professional_for_member(request)
    feed = services.calendar_feed_for(professional)
    return render(
        request,
        "notifications/calendar_feed.html",
        {
            "professional": professional,
            "webcal_url": _webcal_url(request, feed.token),
            "https_url": request.build_absolute_uri(
                reverse("notifications:feed", args=[feed.token])
            ),
        },
    )


@login_required
@require_POST
def calendar_feed_regenerate(request: HttpRequest) -> HttpResponse:
    professional = selectors.professional_for_member(request)
    services.calendar_feed_regenerate(professional=professional)
    messages.success(request, _("New address created. The old one no longer works."))
    return redirect("notifications:calendar_feed")


def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The subscription itself: public, protected only by its secret token."""
    calendar_feed = selectors.feed_for_token(token)
    professional = calendar_feed.professional
    practice = professional.practice
    options = getattr(practice, "notification_settings", None)
    hide_names = bool(options and options.hide_client_names_in_feed)
    client_label = feed_client_label(practice)
    appointments = list(selectors.feed_appointments(professional, now=timezone.now()))
    sequences = selectors.sequences_for(a.pk for a in appointments)
    events = [
        ics.event_data_for(
            appointment,
            sequence=sequences.get(appointment.pk, 0),
            summary=appointment.service.name
            if hide_names
            else f"{client_label(appointment.client)} · {appointment.service.name}",
            description="",
        )
        for appointment in appointments
    ]
    name = f"{professional.display_name} · {practice.name}"
    response = HttpResponse(ics.feed_ics(name, events), content_type=CALENDAR_TYPE)
    response["Cache-Control"] = "private, max-age=300"
    return response


def appointment_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The client's "add to calendar" download."""
    appointment = selectors.appointment_for_token(token)
    sequence = selectors.sequences_for([appointment.pk]).get(appointment.pk, 0)
    content = ics.appointment_ics(ics.event_data_for(appointment, sequence=sequence))
    response = HttpResponse(content, content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = 'attachment; filename="cita.ics"'
    return response


def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """From the link in reminder emails. GET only asks (mail scanners follow links); POST acts."""
    appointment = selectors.appointment_for_token(token)
    done = False
    if request.method == "POST":
        services.reminders_unsubscribe(client=appointment.client)
        done = True
    return render(
        request,
        "notifications/unsubscribe.html",
        {"appointment": appointment, "practice": appointment.practice, "done": done},
    )

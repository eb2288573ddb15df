"""Dismissing failed notifications: a manager has looked at them and does not want them resent,
so they leave the nav badge, the log's alert and the daily email, and stay in the log."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from citas.core.factories import MembershipFactory
from citas.notifications.failures import (
    failures_digest_schedule,
    notification_dismiss,
    notifications_resend_failed,
)
from citas.notifications.models import Notification, NotificationKind
from citas.notifications.selectors import failed_notification_count
from citas.practices.models import Role
from citas.privacy.models import AuditAction, AuditEntry

from .conftest import NOW, fail

pytestmark = pytest.mark.django_db
LOG = reverse("notifications:log")
DISMISS_ALL = reverse("notifications:dismiss_failed")


def dismiss_url(notification):
    return reverse("notifications:dismiss", args=[notification.pk])


def restore_url(notification):
    return reverse("notifications:restore", args=[notification.pk])


def seen_on_the_log(client):
    """What the page's "Dismiss all failed" form carries: the failures it showed."""
    page = client.get(LOG).content.decode()
    return re.search(r'name="seen" value="([^"]*)"', page).group(1)


def dismiss_all(client, **kwargs):
    return client.post(DISMISS_ALL, {"seen": seen_on_the_log(client)}, **kwargs)


def ids(notifications):
    return ",".join(str(n.pk) for n in notifications)


def test_dismissing_one_failure_takes_it_out_of_the_badge_and_records_who_and_when(
    owner_client, owner, failed_two
):
    confirmation, reminder = failed_two

    with time_machine.travel(NOW, tick=False):
        response = owner_client.post(dismiss_url(confirmation))

    assert response.status_code == 302
    confirmation.refresh_from_db()
    assert confirmation.dismissed_at == NOW
    assert confirmation.dismissed_by == owner.user
    assert confirmation.status == "failed"  # history stays
    assert failed_notification_count(confirmation.practice) == 1
    page = owner_client.get(LOG).content.decode()
    assert "1 notificación no se ha podido enviar" in page
    assert "1 fallida" in page  # the nav
    entry = AuditEntry.objects.get(action=AuditAction.NOTIFICATION_DISMISSED)
    assert (entry.practice, entry.actor, entry.object_id) == (
        confirmation.practice,
        owner.user,
        str(confirmation.pk),
    )
    assert entry.data == {"notifications": [confirmation.pk]}


def test_dismiss_all_failed_clears_the_alert_and_audits_once(owner_client, owner, failed_two):
    practice = failed_two[0].practice

    seen = seen_on_the_log(owner_client)
    response = owner_client.post(DISMISS_ALL, {"seen": seen}, follow=True)
    owner_client.post(DISMISS_ALL, {"seen": seen})  # a double click dismisses nothing more

    assert "Se han descartado 2 notificaciones fallidas" in response.content.decode()
    assert failed_notification_count(practice) == 0
    page = owner_client.get(LOG).content.decode()
    assert "no se han podido enviar" not in page
    assert "Descartar todas las fallidas" not in page
    assert Notification.objects.filter(dismissed_by=owner.user).count() == 2
    (entry,) = AuditEntry.objects.filter(action=AuditAction.NOTIFICATION_DISMISSED)
    assert sorted(entry.data["notifications"]) == sorted(n.pk for n in failed_two)


def test_dismiss_all_asks_for_confirmation_first(owner_client, failed_two):
    page = owner_client.get(LOG).content.decode()

    form_start = page.index(f'action="{DISMISS_ALL}"')
    button = page[form_start : page.index("</form>", form_start)]
    assert "data-confirm=" in button
    assert "Descartar todas las fallidas" in button


def test_no_daily_email_for_dismissed_failures(owner_client, failed_two):
    dismiss_all(owner_client)

    failures_digest_schedule(now=NOW.replace(hour=9))

    assert not Notification.objects.filter(kind=NotificationKind.FAILURES_DIGEST).exists()


def test_the_daily_email_counts_only_failures_not_dismissed(owner_client, failed_two):
    owner_client.post(dismiss_url(failed_two[0]))

    failures_digest_schedule(now=NOW.replace(hour=9))

    (digest,) = Notification.objects.filter(kind=NotificationKind.FAILURES_DIGEST)
    assert digest.payload["count"] == 1


def test_dismissed_failures_are_shown_by_the_filter_and_can_still_be_resent(
    owner_client, owner, failed_two
):
    confirmation, reminder = failed_two
    owner_client.post(dismiss_url(confirmation))

    dismissed = owner_client.get(LOG, {"dismissed": "dismissed"})
    open_ones = owner_client.get(LOG, {"status": "failed", "dismissed": "not_dismissed"})
    resent = owner_client.post(reverse("notifications:resend", args=[confirmation.pk]))

    assert [n.pk for n in dismissed.context["page"].object_list] == [confirmation.pk]
    assert "Descartada por" in dismissed.content.decode()
    assert [n.pk for n in open_ones.context["page"].object_list] == [reminder.pk]
    assert resent.status_code == 302
    assert Notification.objects.filter(payload__resent_from=confirmation.pk).exists()


def test_resend_all_failed_leaves_dismissed_ones_alone(owner_client, owner, failed_two):
    confirmation, reminder = failed_two
    owner_client.post(dismiss_url(confirmation))

    assert notifications_resend_failed(practice=confirmation.practice, by=owner.user) == 1

    copies = Notification.objects.filter(payload__resent_from__isnull=False)
    assert [c.payload["resent_from"] for c in copies] == [reminder.pk]


def test_only_an_open_failure_can_be_dismissed(owner_client, failed_two):
    confirmation, _ = failed_two
    pending = Notification.objects.filter(status="pending").first()
    owner_client.post(dismiss_url(confirmation))

    again = owner_client.post(dismiss_url(confirmation), follow=True)
    not_failed = owner_client.post(dismiss_url(pending), follow=True)

    for response in (again, not_failed):
        assert response.status_code == 200
        assert "Solo se pueden descartar" in response.content.decode()
    pending.refresh_from_db()
    assert pending.dismissed_at is None
    assert AuditEntry.objects.filter(action=AuditAction.NOTIFICATION_DISMISSED).count() == 1


def test_a_failure_arriving_after_the_page_was_drawn_is_not_dismissed(owner_client, failed_two):
    confirmation, reminder = failed_two
    seen = seen_on_the_log(owner_client)
    later = (
        Notification.objects.filter(practice=confirmation.practice, status="pending")
        .exclude(pk__in=[n.pk for n in failed_two])
        .first()
    )
    fail(later)  # the worker gives up on it while the manager reads the page

    response = owner_client.post(DISMISS_ALL, {"seen": seen}, follow=True)

    assert "Se han descartado 2 notificaciones fallidas" in response.content.decode()
    later.refresh_from_db()
    assert later.dismissed_at is None
    assert failed_notification_count(confirmation.practice) == 1
    assert "1 notificación no se ha podido enviar" in response.content.decode()


def test_the_alert_counts_exactly_the_failures_its_dismiss_all_would_dismiss(
    owner_client, failed_two
):
    """A failure that lands while the page is drawn is either counted and in the list, or
    neither: the count and the list come from one read."""
    later = (
        Notification.objects.filter(status="pending").exclude(pk__in=[n.pk for n in failed_two])
    ).first()

    def fail_later_after_the_first_read(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if '"dismissed_at" IS NULL' in sql and not later.last_error:
            later.last_error = "the worker gave up while the page was drawn"
            fail(later, later.last_error)
        return result

    with connection.execute_wrapper(fail_later_after_the_first_read):
        page = owner_client.get(LOG).content.decode()

    assert later.last_error  # it did land in between
    shown = re.search(r"(\d+) notificaciones no se han podido enviar", page).group(1)
    seen = re.search(r'name="seen" value="([^"]*)"', page).group(1).split(",")
    badge = re.search(r"(\d+) fallidas", page).group(1)
    assert int(shown) == int(badge) == len(seen)


@pytest.mark.parametrize("seen", ["", "abc", "1,,x", "-3"])
def test_dismiss_all_with_a_missing_or_broken_list_dismisses_nothing(
    owner_client, failed_two, seen
):
    response = owner_client.post(DISMISS_ALL, {"seen": seen}, follow=True)

    assert response.status_code == 200
    assert "No se ha descartado nada" in response.content.decode()
    assert failed_notification_count(failed_two[0].practice) == 2


def test_restoring_a_dismissed_failure_brings_it_back_and_audits_who_had_dismissed_it(
    owner_client, owner, failed_two
):
    confirmation, _ = failed_two
    with time_machine.travel(NOW, tick=False):
        owner_client.post(dismiss_url(confirmation))
    dismissed_page = owner_client.get(LOG, {"dismissed": "dismissed"}).content.decode()

    response = owner_client.post(restore_url(confirmation), follow=True)

    assert f'action="{restore_url(confirmation)}"' in dismissed_page
    assert "vuelve a contar como fallida" in response.content.decode()
    confirmation.refresh_from_db()
    assert (confirmation.dismissed_at, confirmation.dismissed_by) == (None, None)
    assert failed_notification_count(confirmation.practice) == 2
    entry = AuditEntry.objects.get(action=AuditAction.NOTIFICATION_RESTORED)
    assert (entry.practice, entry.actor, entry.object_id) == (
        confirmation.practice,
        owner.user,
        str(confirmation.pk),
    )
    assert entry.data == {
        "notifications": [confirmation.pk],
        "dismissed_at": NOW.astimezone(UTC).isoformat(),
        "dismissed_by": owner.user.email,
    }


def test_only_a_dismissed_open_failure_can_be_restored(owner_client, failed_two):
    confirmation, _ = failed_two

    response = owner_client.post(restore_url(confirmation), follow=True)

    assert "Solo se pueden restaurar" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.NOTIFICATION_RESTORED).exists()


# --- tenancy and roles -------------------------------------------------------------------------


def test_dismissing_another_practices_failure_is_404(stranger_client, failed_two):
    response = stranger_client.post(dismiss_url(failed_two[0]))

    assert response.status_code == 404
    assert failed_notification_count(failed_two[0].practice) == 2


def test_dismiss_all_only_touches_the_managers_own_practice(client, failed_two):
    other = MembershipFactory(role=Role.OWNER)
    client.force_login(other.user)

    response = client.post(DISMISS_ALL, {"seen": ids(failed_two)})

    assert response.status_code == 302
    assert failed_notification_count(failed_two[0].practice) == 2
    assert not AuditEntry.objects.filter(action=AuditAction.NOTIFICATION_DISMISSED).exists()


def test_restoring_another_practices_failure_is_404(owner, stranger_client, failed_two):
    notification_dismiss(notification=failed_two[0], by=owner.user)

    response = stranger_client.post(restore_url(failed_two[0]))

    assert response.status_code == 404
    failed_two[0].refresh_from_db()
    assert failed_two[0].dismissed_at is not None


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.PROFESSIONAL])
def test_reception_and_professionals_cannot_dismiss(client, failed_two, role):
    """Like resend: the page does not exist for them (404)."""
    member = MembershipFactory(practice=failed_two[0].practice, role=role)
    client.force_login(member.user)

    one = client.post(dismiss_url(failed_two[0]))
    every = client.post(DISMISS_ALL, {"seen": ids(failed_two)})

    assert (one.status_code, every.status_code) == (404, 404)
    assert failed_notification_count(failed_two[0].practice) == 2


def test_dismiss_needs_post(owner_client, failed_two):
    assert owner_client.get(dismiss_url(failed_two[0])).status_code == 405
    assert owner_client.get(DISMISS_ALL, {"seen": ids(failed_two)}).status_code == 405
    assert failed_notification_count(failed_two[0].practice) == 2


def test_dismiss_needs_the_csrf_token(owner, failed_two):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner.user)

    assert browser.post(DISMISS_ALL, {"seen": ids(failed_two)}).status_code == 403
    assert browser.post(dismiss_url(failed_two[0])).status_code == 403
    assert failed_notification_count(failed_two[0].practice) == 2


def test_an_erased_clients_failures_are_neither_counted_nor_resent(
    owner_client, owner, failed_two, make_appointment
):
    """The log hides an erased (blocked) client's messages: the alert, the badge, the daily
    email and "resend all" leave them out too, so nothing is ever sent to that client again."""
    from django.utils import timezone

    from citas.booking.models import Client
    from citas.core.factories import ClientFactory

    confirmation, _reminder = failed_two
    practice = confirmation.practice
    erased = make_appointment(
        start=datetime(2026, 12, 1, 10, tzinfo=UTC),
        client=ClientFactory(practice=practice),
        status="confirmed",
    )
    theirs = Notification.objects.create(
        practice=practice,
        appointment=erased,
        kind=NotificationKind.CONFIRMED,
        channel="email",
        recipient="erased@example.com",
        due_at=NOW,
        status="failed",
    )
    assert failed_notification_count(practice) == 3
    Client.all_objects.filter(pk=erased.client_id).update(blocked_at=timezone.now())

    assert failed_notification_count(practice) == 2
    assert str(theirs.pk) not in seen_on_the_log(owner_client).split(",")
    assert notifications_resend_failed(practice=practice, by=owner.user) == 2
    copies = Notification.objects.filter(payload__resent_from__isnull=False)
    assert theirs.pk not in [c.payload["resent_from"] for c in copies]


def test_the_count_is_exact_and_costs_one_probe_when_nothing_failed(
    owner, failed_two, django_assert_num_queries
):
    """The badge on every manager's page: with no open failure one indexed probe answers 0;
    otherwise the exact count follows (an erased client's failures: the test above)."""
    practice = owner.practice
    with django_assert_num_queries(2):
        assert failed_notification_count(practice) == 2
    Notification.objects.filter(pk=failed_two[0].pk).update(resent_at=NOW)
    with django_assert_num_queries(2):
        assert failed_notification_count(practice) == 1
    Notification.objects.filter(pk=failed_two[1].pk).update(dismissed_at=NOW)
    with django_assert_num_queries(1):
        assert failed_notification_count(practice) == 0

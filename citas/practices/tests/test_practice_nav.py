"""The practice and account menus are drawn once per combination of what they show
(citas.core.fragments): each page, role, badge number and language still gets its own menu."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from citas.core.factories import MembershipFactory, ProfessionalFactory, UserFactory
from citas.core.fragments import render_once
from citas.notifications.models import Notification, NotificationKind
from citas.practices.models import Role

pytestmark = pytest.mark.django_db


def nav(client, route="booking_staff:agenda", **kwargs) -> str:
    page = client.get(reverse(route), **kwargs).content.decode()
    return page[page.index('<ul class="navbar-nav me-auto">') : page.index("</ul>\n        <ul")]


def active(menu: str) -> list[str]:
    return re.findall(r'<a class="(?:nav-link|dropdown-item) active"[^>]*href="([^"]+)"', menu)


def test_the_active_item_follows_the_page(owner_client):
    assert active(nav(owner_client, "booking_staff:agenda")) == [reverse("booking_staff:agenda")]
    assert active(nav(owner_client, "booking_staff:client_list")) == [
        reverse("booking_staff:client_list")
    ]
    assert active(nav(owner_client, "scheduling:hours")) == [reverse("scheduling:hours")]


def test_each_role_gets_its_own_menu(client, owner):
    practice = owner.practice
    reception = MembershipFactory(practice=practice, role=Role.RECEPTION)
    professional = MembershipFactory(practice=practice, role=Role.PROFESSIONAL)
    ProfessionalFactory(practice=practice, membership=professional)
    menus = {}
    for member in (owner, reception, professional, owner):
        client.force_login(member.user)
        menus[member.role] = nav(client)
    assert reverse("reports:index") in menus[Role.OWNER]
    assert reverse("booking_staff:waitlist") in menus[Role.RECEPTION]
    assert reverse("reports:index") not in menus[Role.RECEPTION]
    assert reverse("notifications:calendar_feed") not in menus[Role.RECEPTION]
    assert reverse("notifications:calendar_feed") in menus[Role.PROFESSIONAL]
    assert reverse("catalog:list") not in menus[Role.PROFESSIONAL]
    assert reverse("booking_staff:waitlist") not in menus[Role.PROFESSIONAL]


def test_a_new_failure_shows_in_the_badge_on_the_next_page(owner_client, owner):
    assert "badge" not in nav(owner_client)
    Notification.objects.create(
        practice=owner.practice,
        kind=NotificationKind.CONFIRMED,
        channel="email",
        recipient="someone@example.com",
        due_at=timezone.now(),
        status="failed",
    )
    menu = nav(owner_client)
    assert re.search(r'text-bg-danger">1<span class="visually-hidden">', menu)
    assert "1 fallida" in menu


def test_the_menu_speaks_the_language_of_the_page(owner_client):
    assert ">Clientes<" in nav(owner_client)
    assert ">Clients<" in nav(owner_client, HTTP_ACCEPT_LANGUAGE="en")
    owner_client.cookies.load({"django_language": "en"})
    assert ">Clients<" in nav(owner_client)


def test_the_account_menu_offers_a_new_practice_only_to_who_has_none(client, owner):
    onboarding = f'href="{reverse("practices:onboarding")}"'
    client.force_login(UserFactory())
    assert onboarding in client.get(reverse("home")).content.decode()
    client.force_login(owner.user)
    page = client.get(reverse("booking_staff:agenda")).content.decode()
    assert onboarding not in page
    assert f'href="{reverse("mfa_index")}"' in page


@pytest.mark.parametrize("value", [mark_safe("x"), gettext_lazy("Home"), 1.5, object()])
def test_a_fragment_is_keyed_by_plain_values_only(value):
    with pytest.raises(TypeError, match="not a plain value"):
        render_once("partials/account_menu.html", member=value)

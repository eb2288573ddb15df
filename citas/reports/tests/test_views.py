"""The dashboard per role and /app/informes/: roles, tenancy, query counts, downloads."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from citas.core.factories import AppointmentFactory, MembershipFactory
from citas.notifications.models import Notification
from citas.practices.models import Role
from citas.reports.reports import REPORTS

from .clinic import at, clinic

pytestmark = pytest.mark.django_db
WEEK_QUERY = "?start=2026-10-19&end=2026-10-25"


@pytest.fixture
def c():
    return clinic()


def member(c, role, professional=None):
    membership = MembershipFactory(practice=c.practice, role=role)
    if professional is not None:
        professional.membership = membership
        professional.save()
    return membership


@pytest.fixture
def as_member(client, c):
    def login(role, professional=None):
        client.force_login(member(c, role, professional).user)
        return client

    return login


# Thursday 22 October 2026, 08:00 in Madrid.
THURSDAY_MORNING = at(22, 8)


@time_machine.travel(THURSDAY_MORNING, tick=False)
def test_the_dashboard_lists_today_and_tomorrow_with_pending_first(c, as_member):
    pending = AppointmentFactory(
        practice=c.practice,
        professional=c.luis,
        service=c.fisio,
        client=c.clients["Dani"],
        start=at(23, 13),
        status="pending",
    )
    page = as_member(Role.OWNER).get(reverse("practices:dashboard"))
    upcoming = page.context["upcoming"]
    # Thursday's no-show is not upcoming; Friday's cancellation neither.
    assert upcoming == [pending]
    assert "Pendiente de aprobar" in page.content.decode()


@time_machine.travel(THURSDAY_MORNING, tick=False)
def test_each_day_lists_pending_then_unconfirmed_then_confirmed_by_the_client(c, as_member):
    def book(start, status="confirmed", client_confirmed_at=None):
        return AppointmentFactory(
            practice=c.practice,
            professional=c.luis,
            service=c.fisio,
            client=c.clients["Dani"],
            start=start,
            status=status,
            client_confirmed_at=client_confirmed_at,
        )

    today_confirmed = book(at(22, 9), client_confirmed_at=at(21, 18))
    today_unconfirmed = book(at(22, 11))
    today_pending = book(at(22, 16), status="pending")
    # 00:30 in Madrid is still Thursday in UTC: it belongs to Friday all the same.
    tomorrow_first = book(at(23, 0, 30), client_confirmed_at=at(21, 18))
    tomorrow_pending = book(at(23, 13), status="pending")

    page = as_member(Role.OWNER).get(reverse("practices:dashboard"))

    assert page.context["upcoming"] == [
        today_pending,
        today_unconfirmed,
        today_confirmed,
        tomorrow_pending,
        tomorrow_first,
    ]
    text = page.content.decode()
    assert text.count("Hoy ·") == 1
    assert text.count("Mañana ·") == 1
    assert text.count('aria-label="Asistencia confirmada por el cliente"') == 2


@time_machine.travel(THURSDAY_MORNING, tick=False)
def test_the_owner_sees_the_practice_figures(c, as_member):
    Notification.objects.create(
        practice=c.practice,
        kind="confirmation",
        channel="email",
        recipient="x@example.com",
        due_at=at(20, 9),
        status="failed",
    )
    context = as_member(Role.OWNER).get(reverse("practices:dashboard")).context
    assert [
        (row.professional, row.booked_minutes, row.open_minutes) for row in context["occupancy"]
    ] == [
        ("Ana", 240, 1500),
        ("Luis", 60, 1380),
    ]
    month = context["month"]
    # October: one no-show, two cancellations; September: Dani's no-show.
    assert (month.no_shows, month.no_shows_before) == (1, 1)
    assert (month.cancellations, month.cancellations_before) == (2, 0)
    assert context["failed_notifications"] == 1
    assert context["new_clients"] == 4


@time_machine.travel(THURSDAY_MORNING, tick=False)
def test_the_dashboard_counts_only_failures_nobody_resent_or_dismissed(c, as_member):
    marks = ((None, None), (at(20, 10), None), (None, at(20, 10)))
    for number, (resent_at, dismissed_at) in enumerate(marks):
        Notification.objects.create(
            practice=c.practice,
            kind="confirmation",
            channel="email",
            recipient=f"x{number}@example.com",
            due_at=at(20, 9),
            status="failed",
            resent_at=resent_at,
            dismissed_at=dismissed_at,
        )
    context = as_member(Role.OWNER).get(reverse("practices:dashboard")).context
    assert context["failed_notifications"] == 1


@time_machine.travel(THURSDAY_MORNING, tick=False)
def test_a_professional_sees_only_their_own_figures(c, as_member):
    context = as_member(Role.PROFESSIONAL, c.luis).get(reverse("practices:dashboard")).context
    assert [row.professional for row in context["occupancy"]] == ["Luis"]
    assert context["month"].no_shows == 0
    assert context["month"].cancellations == 1
    assert "failed_notifications" not in context


@time_machine.travel(THURSDAY_MORNING, tick=False)
def test_reception_sees_the_list_without_figures(c, as_member):
    page = as_member(Role.RECEPTION).get(reverse("practices:dashboard"))
    assert page.status_code == 200
    assert "occupancy" not in page.context
    assert "month" not in page.context


@time_machine.travel(THURSDAY_MORNING, tick=False)
def test_the_dashboard_runs_a_fixed_number_of_queries(c, as_member, django_assert_max_num_queries):
    client = as_member(Role.OWNER)
    # + 1 two-step check, 1 failed count in the nav, 1 for the setup checklist, 1 for the
    # appointments to close.
    with django_assert_max_num_queries(24):
        client.get(reverse("practices:dashboard"))
    for day in range(19, 24):
        AppointmentFactory(
            practice=c.practice, professional=c.luis, service=c.masaje, start=at(day, 13)
        )
    # + 1 two-step check, 1 failed count in the nav, 1 for the setup checklist, 1 for the
    # appointments to close.
    with django_assert_max_num_queries(24):
        client.get(reverse("practices:dashboard"))


@pytest.mark.parametrize("role", [Role.OWNER, Role.ADMIN])
def test_managers_see_the_reports(c, as_member, role):
    client = as_member(role)
    page = client.get(reverse("reports:index") + WEEK_QUERY).content.decode()
    for name in REPORTS:
        # The page asks for each report with its own request, keeping the period.
        assert f'hx-get="{escape(card_url(name))}"' in page
        card = client.get(card_url(name), headers={"HX-Request": "true"})
        assert card.status_code == 200
        assert "<svg" in card.content.decode()
        assert "<html" not in card.content.decode()


def card_url(name, query=WEEK_QUERY):
    return reverse("reports:report", args=[name]) + query


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.RECEPTION])
@pytest.mark.parametrize(
    "url",
    [
        reverse("reports:index"),
        reverse("reports:report", args=["channels"]),
        reverse("reports:export", args=["channels", "csv"]),
        reverse("reports:export", args=["revenue", "xlsx"]),
    ],
)
def test_other_roles_are_refused_the_reports(c, as_member, role, url):
    assert as_member(role).get(url).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        reverse("reports:index"),
        reverse("reports:report", args=["revenue"]),
        reverse("reports:export", args=["channels", "csv"]),
        reverse("reports:export", args=["revenue", "xlsx"]),
    ],
)
def test_another_practices_professional_or_service_is_a_404(c, stranger_client, url):
    assert stranger_client.get(url + f"?professional={c.ana.pk}").status_code == 404
    assert stranger_client.get(url + f"?service={c.fisio.pk}").status_code == 404


def test_another_practices_figures_never_show(c, stranger_client):
    cards = {name: stranger_client.get(card_url(name)) for name in REPORTS}
    assert all(card.status_code == 200 for card in cards.values())
    assert "<table" not in cards["status-by-week"].content.decode()  # no week has a row
    text = "".join(card.content.decode() for card in cards.values())
    assert not any(name in text for name in ("Ana", "Luis", "Fisio", "Masaje", "Alba", "Carla"))


def test_a_bad_period_is_explained_not_a_500(c, as_member):
    client = as_member(Role.OWNER)
    page = client.get(reverse("reports:index") + "?start=2026-10-25&end=2026-10-19")
    assert page.status_code == 200
    assert page.context["form"].errors["end"]
    assert page.context["reports"] == []
    card = client.get(card_url("channels", "?start=2026-10-25&end=2026-10-19"))
    assert card.status_code == 400
    assert escape(page.context["form"].errors["end"][0]) in card.content.decode()
    assert client.get(card_url("nope")).status_code == 404
    export = client.get(reverse("reports:export", args=["channels", "csv"]) + "?start=nope")
    assert export.status_code == 400
    assert client.get(reverse("reports:export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("reports:export", args=["channels", "pdf"])).status_code == 404


def test_the_reports_page_runs_a_fixed_number_of_queries(
    c, as_member, django_assert_max_num_queries
):
    client = as_member(Role.OWNER)

    def every_card():
        for name in REPORTS:
            client.get(card_url(name))

    # Per card: session, user, membership, two-step check, form choices, window, the report.
    with django_assert_max_num_queries(len(REPORTS) * 9 + 2):
        every_card()
    for day in range(19, 24):
        AppointmentFactory(
            practice=c.practice, professional=c.luis, service=c.masaje, start=at(day, 13)
        )
    with django_assert_max_num_queries(len(REPORTS) * 9 + 2):
        every_card()


def test_the_csv_opens_in_spanish_excel(c, as_member):
    response = as_member(Role.OWNER).get(
        reverse("reports:export", args=["occupancy", "csv"]) + WEEK_QUERY
    )
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="occupancy-20261019-20261025.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1:] == [
        ["19/10/2026", "Ana", "4,0", "25,0", "16,0"],
        ["19/10/2026", "Luis", "1,0", "23,0", "4,3"],
    ]
    assert rows[0][-1].endswith("(%)")


def test_the_revenue_csv_has_decimal_commas(c, as_member):
    response = as_member(Role.OWNER).get(
        reverse("reports:export", args=["revenue", "csv"]) + WEEK_QUERY
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[3] == ["Masaje", "Ana", "1", "30,50"]


def test_the_excel_file_holds_real_dates_and_numbers(c, as_member):
    response = as_member(Role.OWNER).get(
        reverse("reports:export", args=["occupancy", "xlsx"]) + WEEK_QUERY
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(v[0].date(), v[1], v[2], v[3]) for v in values] == [
        (date(2026, 10, 19), "Ana", 4.0, 25.0),
        (date(2026, 10, 19), "Luis", 1.0, 23.0),
    ]
    assert values[0][4] == pytest.approx(0.16)
    assert sheet["A2"].number_format == "DD/MM/YYYY"
    assert sheet["E2"].number_format == "0.0%"


def test_the_excel_revenue_is_a_number_in_euros(c, as_member):
    response = as_member(Role.OWNER).get(
        reverse("reports:export", args=["revenue", "xlsx"]) + WEEK_QUERY
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["D4"].value == float(Decimal("30.50"))
    assert "€" in sheet["D4"].number_format


def test_the_page_shows_spanish_number_formats(c, as_member):
    client = as_member(Role.OWNER)
    client.cookies["django_language"] = "es"
    page = "".join(
        client.get(card_url(name), HTTP_ACCEPT_LANGUAGE="es").content.decode() for name in REPORTS
    )
    assert "16,0 %" in page
    assert "30,50 €" in page
    assert "14,3 %" in page  # one of seven bookings by API, rounded (not cut to 14,2)
    assert "style=" not in page
    assert "<script" not in page


def test_a_client_name_is_never_a_formula_in_the_downloads(c, as_member):
    c.clients["Alba"].full_name = '=HYPERLINK("http://x")'
    c.clients["Alba"].save()
    client = as_member(Role.OWNER)
    url = reverse("reports:export", args=["top-clients", "csv"]) + WEEK_QUERY
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    url = reverse("reports:export", args=["top-clients", "xlsx"]) + WEEK_QUERY
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
    assert sheet["A2"].value == '=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from citas.core.errors import ServiceError
from citas.core.factories import ProfessionalFactory, TimeOffFactory, WorkingHoursFactory
from citas.scheduling.models import BookingPolicy, TimeOff, WorkingHours
from citas.scheduling.selectors import policy_for
from citas.scheduling.services import booking_policy_update

pytestmark = pytest.mark.django_db
MADRID = ZoneInfo("Europe/Madrid")
WEEK = {f"day_{d}": "" for d in range(7)}


@pytest.fixture
def professional(owner):
    return ProfessionalFactory(practice=owner.practice)


def test_a_manager_saves_several_ranges_per_day(owner_client, professional):
    response = owner_client.post(
        reverse("scheduling:hours_edit", args=[professional.pk]),
        WEEK | {"day_0": "09:00-14:00, 15:00-19:00", "day_4": "9.30-13"},
    )

    assert response.status_code == 302
    rows = WorkingHours.objects.filter(professional=professional).order_by("weekday", "start_time")
    assert [(r.weekday, r.start_time, r.end_time) for r in rows] == [
        (0, time(9), time(14)),
        (0, time(15), time(19)),
        (4, time(9, 30), time(13)),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("14:00-09:00", "ends before it starts"),
        ("09:00-14:00, 13:00-17:00", "overlaps"),
        ("nueve a dos", "is not a range"),
        ("25:00-26:00", "not a valid time"),
    ],
)
def test_a_bad_day_shows_its_error_next_to_the_day_and_saves_nothing(
    owner_client, professional, value, message
):
    WorkingHoursFactory(professional=professional, weekday=0)

    response = owner_client.post(
        reverse("scheduling:hours_edit", args=[professional.pk]),
        WEEK | {"day_2": value},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["day_2"])
    assert list(response.context["form"].errors) == ["day_2"]
    assert WorkingHours.objects.filter(professional=professional).count() == 1


def test_copy_monday_fills_the_weekdays_without_saving(owner_client, professional):
    response = owner_client.post(
        reverse("scheduling:hours_edit", args=[professional.pk]),
        WEEK | {"day_0": "09:00-14:00", "copy_monday": "1"},
    )

    form = response.context["form"]
    assert [form[f"day_{d}"].value() for d in range(7)] == ["09:00-14:00"] * 5 + ["", ""]
    assert not WorkingHours.objects.exists()


def test_the_practice_template_is_edited_on_its_own_page(owner, owner_client):
    response = owner_client.post(
        reverse("scheduling:hours_template"), WEEK | {"day_1": "08:00-15:00"}
    )

    assert response.status_code == 302
    row = WorkingHours.objects.get()
    assert row.professional is None
    assert row.practice == owner.practice


def test_the_overview_lists_professionals_with_a_fixed_number_of_queries(
    owner, owner_client, django_assert_max_num_queries
):
    for _ in range(4):
        WorkingHoursFactory.create_batch(
            3, professional=ProfessionalFactory(practice=owner.practice)
        )
    owner_client.get(reverse("scheduling:hours"))

    # 7 for session, user and usersessions; 1 for 2FA; 1 for the failed count in the nav
    with django_assert_max_num_queries(13):
        response = owner_client.get(reverse("scheduling:hours"))

    assert response.status_code == 200


def test_a_manager_adds_a_full_day_absence_for_the_practice(owner, owner_client):
    response = owner_client.post(
        reverse("scheduling:time_off"),
        {
            "start_date": "2026-12-24",
            "end_date": "2026-12-26",
            "all_day": "on",
            "reason": "vacaciones",
        },
    )

    assert response.status_code == 302
    absence = TimeOff.objects.get()
    assert absence.practice == owner.practice
    assert absence.professional is None
    assert absence.start == datetime(2026, 12, 24, tzinfo=MADRID)
    assert absence.end == datetime(2026, 12, 27, tzinfo=MADRID)


def test_a_manager_adds_a_few_hours_off_for_one_professional(owner_client, professional):
    response = owner_client.post(
        reverse("scheduling:time_off"),
        {
            "professional": professional.pk,
            "start_date": "2026-12-02",
            "start_time": "10:00",
            "end_time": "12:30",
            "reason": "formacion",
        },
    )

    assert response.status_code == 302
    absence = TimeOff.objects.get()
    assert (absence.start, absence.end, absence.all_day) == (
        datetime(2026, 12, 2, 10, tzinfo=MADRID),
        datetime(2026, 12, 2, 12, 30, tzinfo=MADRID),
        False,
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start_date": "2026-12-05", "end_date": "2026-12-01", "all_day": "on"}, "end_date"),
        ({"start_date": "2026-12-05", "start_time": "12:00", "end_time": "10:00"}, "end_time"),
        ({"start_date": "2026-12-05"}, "start_time"),
        ({"start_date": "2026-12-05", "all_day": "on", "professional": 999999}, "professional"),
        ({"start_date": "9999-12-31", "all_day": "on"}, "start_date"),
        ({"start_date": "9999-12-31", "start_time": "23:00", "end_time": "23:59"}, "start_date"),
        ({"start_date": "0001-01-01", "end_date": "0001-01-02", "all_day": "on"}, "start_date"),
    ],
)
def test_bad_time_off_shows_an_error_and_saves_nothing(owner_client, data, field):
    response = owner_client.post(reverse("scheduling:time_off"), data | {"reason": "otro"})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not TimeOff.objects.exists()


def test_time_off_is_listed_by_month(owner, owner_client):
    TimeOffFactory(practice=owner.practice, start=datetime(2099, 3, 2, tzinfo=MADRID), note="Marzo")
    TimeOffFactory(practice=owner.practice, start=datetime(2099, 5, 2, tzinfo=MADRID), note="Mayo")

    response = owner_client.get(reverse("scheduling:time_off"))

    months = [month for month, _rows in response.context["months"]]
    assert [m.month for m in months] == [3, 5]


def test_a_manager_deletes_time_off(owner, owner_client):
    absence = TimeOffFactory(practice=owner.practice)

    response = owner_client.post(reverse("scheduling:time_off_delete", args=[absence.pk]))

    assert response.status_code == 302
    assert not TimeOff.objects.exists()


def test_the_holiday_import_is_idempotent(owner_client):
    data = {"year": "2026", "country": "ES", "subdivision": "MD"}

    owner_client.post(reverse("scheduling:holidays"), data)
    owner_client.post(reverse("scheduling:holidays"), data)

    assert TimeOff.objects.filter(reason="festivo").count() == 12


def test_an_unknown_region_is_refused(owner_client):
    response = owner_client.post(
        reverse("scheduling:holidays"), {"year": "2026", "country": "ES", "subdivision": "XX"}
    )

    assert "subdivision" in response.context["form"].errors
    assert not TimeOff.objects.exists()


def test_a_portuguese_region_is_imported_from_the_page(owner_client):
    data = {"year": "2026", "country": "PT", "subdivision": "11"}

    response = owner_client.post(reverse("scheduling:holidays"), data)

    assert response.status_code == 302
    assert TimeOff.objects.filter(reason="festivo", professional=None).count() == 14


def test_mexican_national_holidays_are_imported_from_the_page(owner_client):
    data = {"year": "2026", "country": "MX", "subdivision": ""}

    owner_client.post(reverse("scheduling:holidays"), data)
    owner_client.post(reverse("scheduling:holidays"), data)

    assert TimeOff.objects.filter(reason="festivo").count() == 7


def test_a_region_of_another_country_is_refused_with_the_valid_codes(owner_client):
    # MD is Madrid: valid in Spain, not in Portugal.
    data = {"year": "2026", "country": "PT", "subdivision": "MD"}

    response = owner_client.post(reverse("scheduling:holidays"), data)

    error = response.context["form"].errors["subdivision"][0]
    assert "01" in error and "11" in error
    assert not TimeOff.objects.exists()


def test_a_region_for_a_country_without_regions_is_refused(owner_client):
    data = {"year": "2026", "country": "MX", "subdivision": "CMX"}

    response = owner_client.post(reverse("scheduling:holidays"), data)

    assert "subdivision" in response.context["form"].errors
    assert not TimeOff.objects.exists()


def test_an_unknown_country_is_refused(owner_client):
    data = {"year": "2026", "country": "ZZ", "subdivision": ""}

    response = owner_client.post(reverse("scheduling:holidays"), data)

    assert "country" in response.context["form"].errors
    assert not TimeOff.objects.exists()


def test_choosing_a_country_refreshes_the_region_select(owner_client):
    response = owner_client.get(
        reverse("scheduling:holidays"), {"country": "PT"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.startswith('<div id="subdivision-field">')
    assert '<option value="11">Lisboa</option>' in html
    assert "Madrid" not in html


def test_the_holiday_page_offers_the_regions_of_spain_by_default(owner_client):
    response = owner_client.get(reverse("scheduling:holidays"))

    assert b'<option value="MD">Madrid</option>' in response.content
    assert b'value="PT"' in response.content


def test_a_ten_year_horizon_is_refused(owner, owner_client):
    data = {
        "min_notice_minutes": "60",
        "horizon_days": "3650",
        "slot_step_minutes": "15",
        "cancellation_window_hours": "24",
    }

    response = owner_client.post(reverse("scheduling:policy"), data)

    assert "horizon_days" in response.context["form"].errors
    assert BookingPolicy.objects.get(practice=owner.practice).horizon_days == 90


def test_a_manager_changes_the_booking_policy(owner, owner_client):
    data = {
        "min_notice_minutes": "60",
        "horizon_days": "30",
        "slot_step_minutes": "0",
        "cancellation_window_hours": "48",
        "approval_required": "on",
    }

    response = owner_client.post(reverse("scheduling:policy"), data)

    assert response.status_code == 302
    policy = BookingPolicy.objects.get(practice=owner.practice)
    assert (policy.horizon_days, policy.slot_step_minutes, policy.approval_required) == (
        30,
        0,
        True,
    )


POLICY = {
    "min_notice_minutes": "60",
    "horizon_days": "30",
    "slot_step_minutes": "15",
    "cancellation_window_hours": "24",
}


def test_a_manager_sets_the_waiting_list_offers(owner, owner_client):
    data = POLICY | {"waitlist_offer_valid_minutes": "45", "waitlist_offers_per_slot": "1"}

    response = owner_client.post(reverse("scheduling:policy"), data)

    assert response.status_code == 302
    policy = BookingPolicy.objects.get(practice=owner.practice)
    assert (policy.waitlist_offer_valid_minutes, policy.waitlist_offers_per_slot) == (45, 1)


@pytest.mark.parametrize(
    ("field", "value", "spanish"),
    [
        ("waitlist_offer_valid_minutes", "5", "mayor o igual a 15"),
        ("waitlist_offer_valid_minutes", "5000", "menor o igual a 2880"),
        ("waitlist_offers_per_slot", "0", "mayor o igual a 1"),
        ("waitlist_offers_per_slot", "21", "menor o igual a 20"),
        ("waitlist_offers_per_slot", "tres", "Introduce un número"),
    ],
)
def test_bad_waiting_list_settings_are_refused_in_spanish(
    owner, owner_client, field, value, spanish
):
    response = owner_client.post(
        reverse("scheduling:policy"), POLICY | {field: value}, HTTP_ACCEPT_LANGUAGE="es"
    )

    assert response.status_code == 200
    assert spanish in " ".join(response.context["form"].errors[field])
    policy = BookingPolicy.objects.get(practice=owner.practice)
    assert (policy.horizon_days, policy.waitlist_offers_per_slot) == (90, 3)


def test_leaving_the_waiting_list_settings_empty_keeps_them(owner, owner_client):
    BookingPolicy.objects.create(practice=owner.practice, waitlist_offers_per_slot=5)

    response = owner_client.post(reverse("scheduling:policy"), POLICY)

    assert response.status_code == 302
    assert BookingPolicy.objects.get(practice=owner.practice).waitlist_offers_per_slot == 5


LIMITS = ("max_upcoming_per_client", "challenge_after_bookings_hour", "max_online_bookings_hour")


def test_a_manager_sets_the_booking_abuse_limits(owner, owner_client):
    data = POLICY | dict(zip(LIMITS, ("2", "15", "40"), strict=True))

    response = owner_client.post(reverse("scheduling:policy"), data)

    assert response.status_code == 302
    policy = BookingPolicy.objects.get(practice=owner.practice)
    assert tuple(getattr(policy, name) for name in LIMITS) == (2, 15, 40)
    page = owner_client.get(reverse("scheduling:policy"), HTTP_ACCEPT_LANGUAGE="es")
    assert "máximo de reservas en línea por hora" in page.content.decode().lower()


@pytest.mark.parametrize(("challenge", "cap", "warned"), [("40", "40", True), ("15", "40", False)])
def test_a_challenge_threshold_the_cap_makes_unreachable_is_pointed_out(
    owner, owner_client, challenge, cap, warned
):
    data = POLICY | dict(zip(LIMITS, ("2", challenge, cap), strict=True))

    response = owner_client.post(
        reverse("scheduling:policy"), data, follow=True, HTTP_ACCEPT_LANGUAGE="es"
    )

    shown = [str(message) for message in response.context["messages"]]
    assert shown[0] == "Cambios guardados."
    warning = (
        f"La comprobación antispam está puesta para empezar a las {challenge} reservas por "
        f"hora, pero la reserva en línea se pausa a las {cap}: nunca llegará a pedirse. "
        "Baja el primer número si la quieres."
    )
    assert shown[1:] == ([warning] if warned else [])


@pytest.mark.parametrize(
    ("field", "value", "spanish"),
    [
        ("max_upcoming_per_client", "0", "mayor o igual a 1"),
        ("max_upcoming_per_client", "101", "menor o igual a 100"),
        ("challenge_after_bookings_hour", "-3", "mayor o igual a 1"),
        ("challenge_after_bookings_hour", "10001", "menor o igual a 10000"),
        ("max_online_bookings_hour", "0", "mayor o igual a 1"),
        ("max_online_bookings_hour", "99999999999", "menor o igual a 10000"),
        ("max_online_bookings_hour", "cien", "Introduce un número entero"),
    ],
)
def test_bad_abuse_limits_are_refused_in_spanish(owner, owner_client, field, value, spanish):
    BookingPolicy.objects.create(practice=owner.practice, max_online_bookings_hour=50)

    response = owner_client.post(
        reverse("scheduling:policy"), POLICY | {field: value}, HTTP_ACCEPT_LANGUAGE="es"
    )

    assert response.status_code == 200
    assert spanish in " ".join(response.context["form"].errors[field])
    policy = BookingPolicy.objects.get(practice=owner.practice)
    assert (policy.horizon_days, policy.max_online_bookings_hour) == (90, 50)


def test_leaving_the_abuse_limits_empty_keeps_them(owner, owner_client):
    BookingPolicy.objects.create(
        practice=owner.practice,
        max_upcoming_per_client=4,
        challenge_after_bookings_hour=12,
        max_online_bookings_hour=50,
    )

    response = owner_client.post(reverse("scheduling:policy"), POLICY | dict.fromkeys(LIMITS, ""))

    assert response.status_code == 302
    policy = BookingPolicy.objects.get(practice=owner.practice)
    assert tuple(getattr(policy, name) for name in LIMITS) == (4, 12, 50)
    assert policy.horizon_days == 30


@pytest.mark.parametrize("field", LIMITS)
def test_the_service_refuses_a_limit_out_of_range(owner, field):
    policy = policy_for(owner.practice)
    rules = {
        "min_notice_minutes": 60,
        "horizon_days": 30,
        "slot_step_minutes": 15,
        "cancellation_window_hours": 24,
        "approval_required": False,
    }
    with translation.override("es"), pytest.raises(ServiceError) as refused:
        booking_policy_update(policy=policy, **rules, **{field: 10_001})
    assert refused.value.field == field
    assert "Indica un número entero del 1 al" in refused.value.message
    assert BookingPolicy.objects.get(pk=policy.pk).horizon_days == 90


def test_another_practice_gets_404_on_a_professionals_hours(stranger_client):
    professional = ProfessionalFactory()
    WorkingHoursFactory(professional=professional)
    url = reverse("scheduling:hours_edit", args=[professional.pk])

    assert stranger_client.get(url).status_code == 404
    assert stranger_client.post(url, WEEK).status_code == 404
    assert WorkingHours.objects.filter(professional=professional).count() == 1


def test_another_practice_gets_404_when_deleting_time_off(stranger_client):
    absence = TimeOffFactory()

    response = stranger_client.post(reverse("scheduling:time_off_delete", args=[absence.pk]))

    assert response.status_code == 404
    assert TimeOff.objects.filter(pk=absence.pk).exists()


def test_another_practice_cannot_pick_a_foreign_professional_for_time_off(stranger_client):
    outsider = ProfessionalFactory()

    response = stranger_client.post(
        reverse("scheduling:time_off"),
        {
            "professional": outsider.pk,
            "start_date": "2026-12-05",
            "all_day": "on",
            "reason": "otro",
        },
    )

    assert "professional" in response.context["form"].errors
    assert not TimeOff.objects.exists()


ROUTES = [
    ("scheduling:hours", []),
    ("scheduling:hours_template", []),
    ("scheduling:hours_edit", [1]),
    ("scheduling:time_off", []),
    ("scheduling:time_off_delete", [1]),
    ("scheduling:holidays", []),
    ("scheduling:policy", []),
]


@pytest.mark.parametrize(("route", "args"), ROUTES)
def test_anonymous_visitors_are_sent_to_log_in(client, route, args):
    response = client.post(reverse(route, args=args))

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize(("route", "args"), [r for r in ROUTES if r[1] == []])
def test_a_professional_member_cannot_open_the_manager_pages(client, route, args):
    from citas.core.factories import MembershipFactory
    from citas.practices.models import Role

    member = MembershipFactory(role=Role.PROFESSIONAL)
    client.force_login(member.user)

    assert client.get(reverse(route, args=args)).status_code == 404


def test_the_time_off_form_keeps_the_times_and_hides_them_for_full_days_with_js(owner_client):
    content = owner_client.get(reverse("scheduling:time_off")).content.decode()

    # Without JavaScript every field is there; static/js/app.js only hides the times while
    # "Full days" is ticked.
    assert 'id="id_start_time"' in content
    assert 'id="id_end_time"' in content
    assert 'data-hides="#id_start_time,#id_end_time"' in content
    assert "js/app.js" in content


def test_the_spanish_region_list_keeps_barcelona_city_apart_from_the_regions(owner_client):
    html = owner_client.get(reverse("scheduling:holidays"), HTTP_ACCEPT_LANGUAGE="es")
    html = html.content.decode()

    regions, cities = (
        html.index('<optgroup label="Regiones">'),
        html.index('<optgroup label="Ciudades y otros calendarios locales">'),
    )
    assert regions < html.index('value="CT"') < cities < html.index('value="Barcelona"')


def test_barcelona_city_holidays_are_imported(owner_client):
    data = {"year": "2026", "country": "ES", "subdivision": "Barcelona"}

    response = owner_client.post(reverse("scheduling:holidays"), data)

    assert response.status_code == 302
    assert TimeOff.objects.filter(reason="festivo", professional=None).count() == 14


@pytest.mark.parametrize(("language", "new_year"), [("es", "Año Nuevo"), ("en", "New Year's Day")])
def test_holiday_names_are_saved_in_the_language_of_the_page(owner_client, language, new_year):
    data = {"year": "2026", "country": "ES", "subdivision": "MD"}

    owner_client.post(reverse("scheduling:holidays"), data, HTTP_ACCEPT_LANGUAGE=language)

    assert TimeOff.objects.filter(reason="festivo", note=new_year).count() == 1

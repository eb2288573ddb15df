"""GET /api/v1/reports/{name}/: the page's figures as JSON, managers only, scoped to the
token's practice."""

import pytest
from rest_framework.test import APIClient

from citas.api.models import every_scope
from citas.api.services import api_token_create
from citas.core.factories import MembershipFactory
from citas.practices.models import Role
from citas.reports.reports import REPORTS

from .clinic import clinic

pytestmark = pytest.mark.django_db
WEEK = {"from": "2026-10-19", "to": "2026-10-25"}


@pytest.fixture
def c():
    return clinic()


def api_as(practice, role) -> APIClient:
    user = MembershipFactory(practice=practice, role=role).user
    raw = api_token_create(user=user, practice=practice, name="r", scopes=every_scope())[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_occupancy_report_as_json(c):
    response = api_as(c.practice, Role.OWNER).get("/api/v1/reports/occupancy/", WEEK)
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-10-19", "2026-10-25")
    assert [column["kind"] for column in body["columns"]] == [
        "date",
        "text",
        "hours",
        "hours",
        "ratio",
    ]
    assert body["rows"][0] == {
        "week": "2026-10-19",
        "professional": "Ana",
        "booked_hours": 4.0,
        "open_hours": 25.0,
        "occupancy": 0.16,
    }


def test_revenue_and_filters(c):
    client = api_as(c.practice, Role.ADMIN)
    rows = client.get("/api/v1/reports/revenue/", {**WEEK, "professional": c.luis.pk}).json()
    assert rows["rows"] == [
        {"service": "Fisio", "professional": "Luis", "completed": 1, "revenue": 50.0}
    ]


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_answers_managers_and_refuses_other_roles(c, name):
    url = f"/api/v1/reports/{name}/"
    assert api_as(c.practice, Role.OWNER).get(url, WEEK).status_code == 200
    assert api_as(c.practice, Role.PROFESSIONAL).get(url, WEEK).status_code == 403
    assert api_as(c.practice, Role.RECEPTION).get(url, WEEK).status_code == 403
    assert APIClient().get(url, WEEK).status_code in (401, 403)


@pytest.mark.parametrize("name", list(REPORTS))
def test_another_practice_sees_none_of_it(c, name):
    other = MembershipFactory(role=Role.OWNER).practice
    client = api_as(other, Role.OWNER)
    url = f"/api/v1/reports/{name}/"
    assert client.get(url, {**WEEK, "professional": c.ana.pk}).status_code == 404
    assert client.get(url, {**WEEK, "service": c.fisio.pk}).status_code == 404
    body = client.get(url, WEEK).json()
    assert "Ana" not in str(body["rows"])
    assert "Alba" not in str(body["rows"])


def test_bad_periods_are_a_400_in_the_users_terms(c):
    client = api_as(c.practice, Role.OWNER)
    response = client.get("/api/v1/reports/channels/", {"from": "2026-10-25", "to": "2026-10-19"})
    assert response.status_code == 400
    assert "to" in response.json()["error"]["fields"]
    assert client.get("/api/v1/reports/channels/", {"from": "ayer"}).status_code == 400
    too_long = client.get("/api/v1/reports/channels/", {"from": "2024-01-01", "to": "2026-01-01"})
    assert too_long.status_code == 400
    assert client.get("/api/v1/reports/nope/").status_code == 404

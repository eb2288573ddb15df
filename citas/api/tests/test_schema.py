"""The OpenAPI schema is valid, and the API honours it under fuzzing (schemathesis)."""

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth, response_schema_conformance

from citas.booking.models import Appointment
from citas.notifications.models import WebhookEndpoint
from citas.notifications.tests.receiver import WebhookEndpointFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def test_the_schema_is_valid_without_warnings(tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml")
    )
    assert "/api/v1/appointments/{id}/no-show/" in (tmp_path / "schema.yml").read_text()


def test_the_client_confirmed_filter_is_documented(client, db):
    schema_json = client.get("/api/schema/", {"format": "json"}).json()
    parameters = schema_json["paths"]["/api/v1/appointments/"]["get"]["parameters"]
    documented = next(p for p in parameters if p["name"] == "client_confirmed")

    assert documented["in"] == "query"
    assert documented["schema"]["type"] == "boolean"
    assert "aún no ha confirmado" in documented["description"]


def test_swagger_ui_is_served_from_our_own_static_files(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


def test_the_schema_lists_all_42_operations(db):
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 42
    paths = {operation.path for operation in operations}
    assert "/api/v1/clients/{id}/export/" in paths
    assert "/api/v1/clients/{id}/consents/" in paths
    assert "/api/v1/reports/{name}/" in paths
    assert "/api/v1/appointments/{id}/series/move/" in paths
    assert "/api/v1/booking-challenge/" in paths


@pytest.fixture
def connection_kept_across_requests():
    """The WSGI app closes "old" connections after each request, which would drop the test's
    transaction on PostgreSQL; Django's own test client disconnects the same handlers."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("connection_kept_across_requests")
@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_its_schema_says(case, clinic, monkeypatch):
    # Fuzz the booking endpoint's validation, not its rate limit (tested in test_public).
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {"public_booking": "10000/hour", "public_availability": "10000/hour"},
    )
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = clinic.practice.slug
    if case.path.startswith("/api/v1/webhooks/"):
        # Real ids of the practice, so that the fuzzer reaches past the 404.
        WebhookEndpointFactory(practice=clinic.practice)
        model = WebhookEndpoint
    else:
        model = Appointment
    if "id" in (case.path_parameters or {}) and model.objects.exists():
        case.path_parameters["id"] = model.objects.order_by("?").first().pk
    case.call_and_validate(
        headers={"Authorization": f"Bearer {clinic.token}"},
        checks=[not_a_server_error, response_schema_conformance, ignored_auth],
    )

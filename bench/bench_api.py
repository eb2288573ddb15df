"""`python -m bench.bench_api`: latency of the API's hot endpoints, in a throwaway database.

Seeds the same agenda as `python -m bench` (one professional, Mon–Fri 09:00–18:00, 500
appointments over 60 days), then times through Django's test client, with a Bearer token:
  (a) GET /api/v1/practices/<slug>/availability/ for 30 days (public), with its free slots
      cached and with nothing cached (the cache emptied before each call),
  (b) GET /api/v1/appointments/ — the first page of 25, and a page of 100 (staff, token),
and /healthz next to them, in turns. Prints median and p95, and each case's time as a multiple
of /healthz's in the same rounds. Uses DATABASE_URL when set (PostgreSQL).
"""

import sys
from datetime import timedelta
from zoneinfo import ZoneInfo

from bench.__main__ import measure_interleaved, seed
from bench.harness import in_test_database


def run() -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.utils import timezone

    from citas.accounts.models import User
    from citas.api.models import every_scope
    from citas.api.services import api_token_create
    from citas.practices.models import Membership, Role

    practice, _professional, service = seed()
    user = User.objects.create_user(email="bench@example.com", password=None)
    Membership.objects.create(user=user, practice=practice, role=Role.RECEPTION)
    _token, raw = api_token_create(user=user, practice=practice, name="bench", scopes=every_scope())
    first_day = timezone.now().astimezone(ZoneInfo(practice.timezone)).date()
    query = {
        "service": service.pk,
        "from": first_day.isoformat(),
        "to": (first_day + timedelta(days=29)).isoformat(),
    }
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    availability = f"/api/v1/practices/{practice.slug}/availability/"
    cases = [
        ("/healthz", "/healthz", {}),
        ("(a) availability, 30 days", availability, query),
        ("(b) appointments, page of 25", "/api/v1/appointments/", {}),
        ("(b) appointments, page of 100", "/api/v1/appointments/", {"page_size": 100}),
    ]
    print(f"database: {connection.vendor}; 500 appointments over 60 days")
    with override_settings(SECURE_SSL_REDIRECT=False):
        for _label, path, params in cases:
            response = client.get(path, params)
            assert response.status_code == 200, response.content
        timed = {
            label: lambda path=path, params=params: client.get(path, params)
            for label, path, params in cases
        }

        def cold():
            cache.clear()
            return client.get(availability, query)

        timed["(a) availability, nothing cached"] = cold
        results = measure_interleaved(timed, reference="/healthz")
    for label, (median, p95) in results.items():
        unit = "×" if "/" in label[1:] else "ms"
        print(f"{label:<44} median {median:7.3f} {unit:<2}  p95 {p95:7.3f} {unit}")
    return 0


def main() -> int:
    return in_test_database(run)


if __name__ == "__main__":
    sys.exit(main())

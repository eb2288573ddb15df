"""A practice with years of history, inserted by PostgreSQL itself (200k rows in seconds).

Used by `make loadtest` and by the query-plan tests. Ten professionals work Mon–Fri
09:00–18:00 on a half-hour grid; the past is full (completed, some cancelled, some left
"confirmed" as happens when nobody closes them) and the next 60 days are half booked, a third
of them confirmed by the client (the practice began asking for confirmations lately).
"""

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.db import connection

from citas.booking.models import Client
from citas.catalog.models import Service
from citas.practices.models import Practice, Professional
from citas.scheduling.models import WorkingHours
from citas.scheduling.selectors import policy_for

SLOTS_PER_DAY = 18  # 09:00–18:00, every 30 minutes
FUTURE_DAYS = 60

INSERT_CLIENTS = """
INSERT INTO booking_client (practice_id, full_name, email, phone, notes, created_at, updated_at)
SELECT %(practice)s, 'Cliente ' || lpad(i::text, 6, '0'), 'cliente' || i || '@example.com',
       '', '', now(), now()
FROM generate_series(1, %(clients)s) AS i
"""

# Appointment k of professional p: day k / 18 of the calendar from %(first_day)s (weekdays only),
# slot k %% 18 of that day, in the practice's time zone.
INSERT_APPOINTMENTS = """
WITH numbered AS (
    SELECT i, i %% %(professionals)s AS p, i / %(professionals)s AS k
    FROM generate_series(0, %(count)s - 1) AS i
), placed AS (
    SELECT i, p, k,
           ((%(first_day)s::date + ((k / 18) / 5) * 7 + (k / 18) %% 5)::timestamp
            + time '09:00' + (k %% 18) * interval '30 minutes') AT TIME ZONE %(tz)s AS start
    FROM numbered
)
INSERT INTO booking_appointment (
    practice_id, professional_id, service_id, client_id, start, "end", blocked_start,
    blocked_end, status, notes, token, channel, price, client_confirmed_at, created_at, updated_at
)
SELECT %(practice)s, (%(professional_ids)s::bigint[])[p + 1], %(service)s,
       %(first_client)s + (i * 7919) %% %(clients)s,
       start, start + interval '30 minutes', start, start + interval '30 minutes',
       CASE
           WHEN start >= now() AND k %% 2 = 1 THEN 'cancelled'
           WHEN start >= now() THEN 'confirmed'
           WHEN i %% 13 = 0 THEN 'cancelled'
           WHEN i %% 7 = 0 THEN 'confirmed'
           WHEN i %% 29 = 0 THEN 'no_show'
           ELSE 'completed'
       END,
       '', substr(md5(i::text) || md5(random()::text), 1, 43),
       CASE WHEN i %% 3 = 0 THEN 'staff' ELSE 'public' END, %(price)s,
       CASE WHEN start >= now() AND i %% 3 = 1 THEN start - interval '1 day' END, now(), now()
FROM placed
"""


@dataclass
class History:
    practice: Practice
    professionals: list[Professional]
    service: Service
    first_client: int
    clients: int


def _first_monday(today: date, count: int, professionals: int, future_days: int) -> date:
    """The Monday from which `count` appointments end `future_days` from today."""
    weeks = -(-count // (professionals * SLOTS_PER_DAY * 5))
    end = today + timedelta(days=future_days)
    return end - timedelta(days=end.weekday()) - timedelta(weeks=weeks)


def seed_history(
    *, slug: str, count: int, today: date, professionals: int = 10, clients: int = 5000
) -> History:
    """One practice with `count` appointments; PostgreSQL only (generate_series)."""
    practice = Practice.objects.create(name=slug.title(), slug=slug, timezone="Europe/Madrid")
    staff = Professional.objects.bulk_create(
        Professional(practice=practice, display_name=f"Profesional {n:02d}")
        for n in range(professionals)
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(
            practice=practice,
            professional=professional,
            weekday=weekday,
            start_time=time(9),
            end_time=time(18),
        )
        for professional in staff
        for weekday in range(5)
    )
    service = Service.objects.create(practice=practice, name="Sesión", duration_minutes=30)
    service.professionals.set(staff)
    policy_for(practice)
    with connection.cursor() as cursor:
        cursor.execute(INSERT_CLIENTS, {"practice": practice.pk, "clients": clients})
    first_client = Client.objects.filter(practice=practice).order_by("pk").first().pk
    history = History(practice, staff, service, first_client, clients)
    insert_appointments(history, count=count, today=today)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE booking_client")
    return history


def insert_appointments(
    history: History, *, count: int, today: date, future_days: int = FUTURE_DAYS
) -> None:
    """`count` appointments of the practice, the last ones `future_days` after today, into
    the `booking_appointment` table that the connection's search_path names."""
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT_APPOINTMENTS,
            {
                "practice": history.practice.pk,
                "professionals": len(history.professionals),
                "professional_ids": [p.pk for p in history.professionals],
                "service": history.service.pk,
                "price": history.service.price,
                "first_client": history.first_client,
                "clients": history.clients,
                "count": count,
                "first_day": _first_monday(today, count, len(history.professionals), future_days),
                "tz": history.practice.timezone,
            },
        )
        cursor.execute("ANALYZE booking_appointment")

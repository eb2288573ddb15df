from datetime import timedelta

import time_machine
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone


def _last_seen(client):
    return UserSession.objects.get(session_key=client.session.session_key).last_seen_at


def test_session_activity_is_written_once_per_interval(owner_client, settings):
    settings.USERSESSIONS_ACTIVITY_INTERVAL = 300
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        owner_client.get(reverse("practices:dashboard"))
        first_seen = _last_seen(owner_client)
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        with CaptureQueriesContext(connection) as captured:
            owner_client.get(reverse("practices:dashboard"))
        assert _last_seen(owner_client) == first_seen
        assert not [q for q in captured if "usersessions_usersession" in q["sql"]]
    with time_machine.travel(start + timedelta(minutes=6), tick=False):
        owner_client.get(reverse("practices:dashboard"))
        assert _last_seen(owner_client) == start + timedelta(minutes=6)

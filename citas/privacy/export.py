"""Right of access and portability (RGPD arts. 15 and 20): everything the practice holds
about one client, as JSON for machines and as an HTML page for people, in one ZIP."""

import io
import json
import zipfile
from datetime import datetime

from django.template.loader import render_to_string
from django.utils.text import slugify

from citas.booking.models import Appointment, AppointmentEvent, Client
from citas.notifications.models import Notification

from .models import ConsentRecord

FORMAT_VERSION = 1


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def client_export_data(client: Client, *, now: datetime) -> dict:
    """The client's data as plain JSON types, in a fixed number of queries."""
    appointments = list(
        Appointment.all_objects.filter(client=client)
        .select_related("service", "professional")
        .order_by("start")
    )
    events = {}
    for event in AppointmentEvent.objects.filter(appointment__client=client).order_by(
        "created_at", "pk"
    ):
        events.setdefault(event.appointment_id, []).append(
            {"kind": event.kind, "at": _iso(event.created_at), "by_client": event.by_client}
        )
    consents = ConsentRecord.objects.filter(client=client).select_related("notice")
    notifications = Notification.objects.filter(appointment__client=client).exclude(
        channel="webhook"
    )
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": _iso(now),
        "practice": {
            "name": client.practice.name,
            "address": client.practice.address,
            "email": client.practice.email,
            "phone": client.practice.phone,
        },
        "profile": {
            "full_name": client.full_name,
            "email": client.email,
            "phone": client.phone,
            "notes": client.notes,
            "created_at": _iso(client.created_at),
            "privacy_accepted_at": _iso(client.privacy_accepted_at),
        },
        "appointments": [
            {
                "id": a.pk,
                "start": _iso(a.start),
                "end": _iso(a.end),
                "service": a.service.name,
                "professional": a.professional.display_name,
                "status": a.status,
                "notes": a.notes,
                "history": events.get(a.pk, []),
            }
            for a in appointments
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "granted": c.granted,
                "channel": c.channel,
                "at": _iso(c.created_at),
                "notice_version": c.notice.version if c.notice else None,
            }
            for c in consents.order_by("created_at", "pk")
        ],
        "notifications": [
            {
                "kind": n.kind,
                "channel": n.channel,
                "recipient": n.recipient,
                "status": n.status,
                "due_at": _iso(n.due_at),
                "sent_at": _iso(n.sent_at),
            }
            for n in notifications.order_by("due_at", "pk")
        ],
    }


def client_export_filename(client: Client, *, now: datetime) -> str:
    return f"{slugify(client.practice.name)}-{client.pk}-{now:%Y%m%d}.zip"


def client_export_zip(client: Client, *, now: datetime, more: list[Client] = ()) -> bytes:
    """datos.json + resumen.html. A person with several records at the practice (`more`: the
    others, e.g. one made by staff under another address) gets one folder per record."""
    records = [client, *more]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for record in records:
            data = client_export_data(record, now=now)
            summary = render_to_string(
                "privacy/export_summary.html", {"data": data, "client": record}
            )
            folder = f"ficha-{record.pk}/" if len(records) > 1 else ""
            archive.writestr(f"{folder}datos.json", json.dumps(data, ensure_ascii=False, indent=2))
            archive.writestr(f"{folder}resumen.html", summary)
    return buffer.getvalue()

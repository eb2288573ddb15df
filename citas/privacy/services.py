"""Writes of the privacy app that other apps call: `audit_record` and `consent_record`, plus
the practice's privacy notice and settings. Erasure and retention live in `erasure.py`."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from citas.booking.models import Appointment, Client, WaitlistEntry, new_appointment_token
from citas.core.errors import ServiceError
from citas.notifications.models import Channel, Notification, NotificationStatus
from citas.notifications.services import contact_preference_set_sms_consent
from citas.practices.models import Practice

from .models import (
    NOTICE_TERMS,
    AuditAction,
    AuditEntry,
    ConsentChannel,
    ConsentPurpose,
    ConsentRecord,
    PrivacyNotice,
    PrivacySettings,
)
from .selectors import notice_current, privacy_settings_for

NOTICE_FIELDS = (
    "controller_name",
    "controller_tax_id",
    "controller_address",
    "controller_email",
    "dpo_contact",
    "processors",
    "extra_es",
    "extra_en",
)


def client_ip(request) -> str | None:
    """The client's address (honours TRUSTED_PROXY_COUNT behind a reverse proxy)."""
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    return get_adapter().get_client_ip(request) or None


def audit_record(
    *,
    practice: Practice,
    actor,
    action: AuditAction | str,
    obj=None,
    request=None,
    data: dict | None = None,
) -> AuditEntry:
    """Append one line to the practice's audit log."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        practice=practice,
        actor=user,
        actor_label=user.email if user else "",
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        data=data or {},
        ip=client_ip(request),
    )


def notice_defaults(practice: Practice) -> dict[str, str]:
    """A first notice filled in from the practice's own details."""
    return {
        "controller_name": practice.name,
        "controller_address": practice.address,
        "controller_email": practice.email,
    }


def notice_terms(practice: Practice) -> dict:
    """The retention periods and offers a version published now states (frozen in it)."""
    options = privacy_settings_for(practice)
    return {name: getattr(options, name) for name in NOTICE_TERMS}


def notice_publish(*, practice: Practice, by, request=None, **fields) -> PrivacyNotice:
    """A new version of the notice, stating the practice's current retention terms; earlier
    versions stay as they were."""
    values = {name: (fields.get(name) or "").strip() for name in NOTICE_FIELDS}
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = PrivacyNotice.objects.filter(practice=practice).aggregate(
                    v=Max("version")
                )["v"]
                notice = PrivacyNotice.objects.create(
                    practice=practice,
                    version=(latest or 0) + 1,
                    created_by=by if by is not None and by.is_authenticated else None,
                    **values,
                    **notice_terms(practice),
                )
        except IntegrityError:  # another editor published the same version number first
            continue
        if by is not None:
            audit_record(
                practice=practice,
                actor=by,
                action=AuditAction.NOTICE_PUBLISHED,
                obj=notice,
                request=request,
            )
        return notice
    raise IntegrityError("could not allocate a notice version")


def notice_for_consent(practice: Practice) -> PrivacyNotice:
    """The notice a consent refers to; the first one is generated from the practice data
    (two first bookings at once: one creates version 1, the other reads it)."""
    current = notice_current(practice)
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return PrivacyNotice.objects.create(
                practice=practice,
                version=1,
                **notice_defaults(practice),
                **notice_terms(practice),
            )
    except IntegrityError:
        return notice_current(practice)


def consent_record(
    *,
    client: Client,
    purpose: ConsentPurpose | str,
    granted: bool,
    channel: str,
    by=None,
    request=None,
) -> ConsentRecord:
    """Store one acceptance or withdrawal. The SMS purpose also switches text messages on or
    off for the client, and a withdrawal cancels the text messages still waiting."""
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            practice=client.practice,
            client=client,
            notice=notice_for_consent(client.practice),
            purpose=purpose,
            granted=granted,
            channel=channel,
            recorded_by=by if by is not None and by.is_authenticated else None,
        )
        if purpose == ConsentPurpose.SMS:
            contact_preference_set_sms_consent(client=client, consent=granted)
            if not granted:
                Notification.objects.filter(
                    appointment__client=client,
                    channel=Channel.SMS,
                    status=NotificationStatus.PENDING,
                ).update(status=NotificationStatus.CANCELLED, last_error="SMS consent withdrawn")
        if by is not None and by.is_authenticated:
            audit_record(
                practice=client.practice,
                actor=by,
                action=AuditAction.CONSENT_CHANGED,
                obj=client,
                request=request,
                data={"purpose": str(purpose), "granted": granted},
            )
    return record


def consent_record_by_staff(
    *, client: Client, purpose: ConsentPurpose | str, granted: bool, by, request=None
) -> ConsentRecord:
    """A consent the client gave or withdrew on the phone or in person, told to a member of
    staff (the client page and the API). Refused: an SMS acceptance without a phone number,
    a marketing acceptance when the practice does not offer it."""
    if granted and purpose == ConsentPurpose.SMS and not client.phone:
        raise ServiceError(
            _("Add the client's phone number before the SMS consent."), field="purpose"
        )
    if (
        granted
        and purpose == ConsentPurpose.MARKETING
        and not privacy_settings_for(client.practice).marketing_consent_offered
    ):
        raise ServiceError(
            _(
                "The practice does not ask for consent to send news and offers; turn it on in "
                "the data protection settings first."
            ),
            field="purpose",
        )
    return consent_record(
        client=client,
        purpose=purpose,
        granted=granted,
        channel=ConsentChannel.STAFF,
        by=by,
        request=request,
    )


def privacy_settings_save(
    *, settings: PrivacySettings, by, request=None, changed: list[str]
) -> PrivacySettings:
    """Save the settings; if the published notice states a term that changed (a retention
    period, the marketing offer), publish the same notice again with the new terms."""
    with transaction.atomic():
        settings.save()
        audit_record(
            practice=settings.practice,
            actor=by,
            action=AuditAction.SETTINGS_CHANGED,
            obj=settings,
            request=request,
            data={"fields": changed},
        )
        current = notice_current(settings.practice)
        if current is not None and any(
            getattr(current, name) != getattr(settings, name) for name in NOTICE_TERMS
        ):
            notice_publish(
                practice=settings.practice,
                by=by,
                request=request,
                **{name: getattr(current, name) for name in NOTICE_FIELDS},
            )
    return settings


def client_link_renew(*, obj: Appointment | WaitlistEntry, by, request=None) -> str:
    """Give an appointment's manage link (or a waiting-list entry's link) a fresh token: the
    old link stops working at once (it may have been forwarded). Messages not sent yet carry
    the new link. Returns the new token."""
    model = type(obj)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        old = locked.token
        locked.token = new_appointment_token()
        locked.save(update_fields=["token"])
        pending = Notification.objects.filter(
            practice_id=locked.practice_id,
            status=NotificationStatus.PENDING,
            payload__token=old,
        )
        for notification in pending.select_for_update():
            notification.payload["token"] = locked.token
            notification.save(update_fields=["payload"])
        audit_record(
            practice=locked.practice,
            actor=by,
            action=AuditAction.LINK_RENEWED,
            obj=locked,
            request=request,
        )
    obj.token = locked.token
    return locked.token

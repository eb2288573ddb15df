import functools
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership, Practice

SESSION_KEY = "current_practice_id"


@functools.cache
def _user_has_mfa() -> Exists:
    """EXISTS (an authenticator of the membership's user): allauth's `is_mfa_enabled`. Made
    once: building the inner queryset on every request cost half of what folding the check
    into the membership query saves (annotate() copies it, so sharing it is safe)."""
    return Exists(Authenticator.objects.filter(user_id=OuterRef("user_id")))


def memberships_for(user) -> list[Membership]:
    """The user's memberships, each with `user_has_mfa`: whether the user has set up two-step
    verification (allauth's `is_mfa_enabled`: any authenticator), read in the same query so the
    check on every practice page costs no query of its own."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user_id=user.pk)
        .select_related("practice", "professional")
        .annotate(user_has_mfa=_user_has_mfa())
        .order_by("practice__name")
    )


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership for the practice the user is working in (chosen in the session)."""
    if not hasattr(request, "_current_membership"):
        memberships = memberships_for(request.user)
        wanted = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        chosen = next((m for m in memberships if m.practice_id == wanted), None)
        request._current_membership = chosen or (memberships[0] if memberships else None)
        request._memberships = memberships
    return request._current_membership


def require_membership(request: HttpRequest, *, manager: bool = False) -> Membership:
    """The current membership, or 404: the caller may not see practice pages at all."""
    membership = current_membership(request)
    if membership is None or (manager and not membership.can_manage):
        raise Http404
    return membership


def open_invitations_for(user):
    """Invitations addressed to the user's email that can still be accepted."""
    return (
        Invitation.objects.filter(
            email__iexact=user.email,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        .exclude(practice__memberships__user=user)
        .select_related("practice")
    )


@dataclass(frozen=True)
class SetupStep:
    key: str
    label: str
    done: bool
    url: str


@dataclass(frozen=True)
class SetupChecklist:
    steps: list[SetupStep]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def accepts_bookings(self) -> bool:
        """Someone offers a service and has hours: the booking page can show free times."""
        done = {step.key for step in self.steps if step.done}
        return {"professional", "hours", "services"} <= done


def practice_setup_checklist(practice) -> SetupChecklist:
    """What a new practice still has to do before clients can book it (one query)."""
    from citas.booking.models import Appointment
    from citas.catalog.models import Service
    from citas.scheduling.models import WorkingHours

    done = (
        Practice.objects.filter(pk=practice.pk)
        .values(
            has_professional=Exists(practice.professionals.filter(is_active=True)),
            has_hours=Exists(
                WorkingHours.objects.filter(practice=practice, professional__is_active=True)
            ),
            has_services=Exists(Service.objects.bookable_online().filter(practice=practice)),
            # The earliest by the (practice, start, id) index: an index probe, not a scan.
            first_booking=Subquery(
                Appointment.objects.filter(practice=practice)
                .order_by("start", "id")
                .values("pk")[:1]
            ),
        )
        .get()
    )
    steps = [
        SetupStep(
            "professional",
            _("Add who attends appointments"),
            done["has_professional"],
            reverse("practices:members"),
        ),
        SetupStep(
            "hours",
            _("Set the working hours"),
            done["has_hours"],
            reverse("scheduling:hours"),
        ),
        SetupStep(
            "services",
            _("Create a service someone offers"),
            done["has_services"],
            reverse("catalog:list"),
        ),
        SetupStep(
            "contact",
            _("Give clients a phone or email to reach you"),
            bool(practice.phone or practice.email),
            reverse("practices:settings"),
        ),
        SetupStep(
            "test_booking",
            _("Make a test booking on your booking page"),
            done["first_booking"] is not None,
            reverse("public_booking:page", args=[practice.slug]),
        ),
    ]
    return SetupChecklist(steps)

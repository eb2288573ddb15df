from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from citas.booking.closing import appointments_to_close
from citas.core.errors import ServiceError, add_service_error
from citas.core.tokens import hash_token
from citas.privacy.models import AuditAction
from citas.privacy.services import audit_record
from citas.reports.selectors import dashboard_for

from . import services
from .forms import InvitationForm, PracticeForm, PracticeSettingsForm, RoleForm
from .models import Invitation, Membership, Professional, Role
from .selectors import (
    SESSION_KEY,
    memberships_for,
    open_invitations_for,
    practice_setup_checklist,
    require_membership,
)

# The dashboard lists the oldest ended appointments still pending or confirmed ("por cerrar").
TO_CLOSE_SHOWN = 10


def _get_member_for_manager(request: HttpRequest, pk: int) -> tuple[Membership, Membership]:
    me = require_membership(request, manager=True)
    member = get_object_or_404(
        Membership.objects.select_related("user", "practice"), pk=pk, practice=me.practice
    )
    return me, member


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    memberships = memberships_for(request.user)
    if not memberships:
        return render(
            request,
            "practices/no_practice.html",
            {"invitations": open_invitations_for(request.user)},
        )
    membership = require_membership(request)
    practice = membership.practice
    now = timezone.now()
    to_close = appointments_to_close(practice=practice, now=now)
    if membership.role == Role.PROFESSIONAL:
        own = getattr(membership, "professional", None)
        to_close = to_close.filter(professional_id=own.pk if own else 0)
    to_close = list(to_close[: TO_CLOSE_SHOWN + 1])  # one more tells whether there are more
    return render(
        request,
        "practices/dashboard.html",
        {
            "to_close": to_close[:TO_CLOSE_SHOWN],
            "more_to_close": len(to_close) > TO_CLOSE_SHOWN,
            "membership": membership,
            "practice": practice,
            "professionals": Professional.objects.filter(practice=practice, is_active=True),
            "member_count": Membership.objects.filter(practice=practice).count(),
            "invitations": open_invitations_for(request.user),
            **dashboard_for(membership, now=now),
            "booking_url": request.build_absolute_uri(
                reverse("public_booking:page", args=[practice.slug])
            ),
            "setup": practice_setup_checklist(practice),
        },
    )


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    url_prefix = request.build_absolute_uri(reverse("public_booking:page", args=["-"]))[:-2]
    form = PracticeForm(request.POST or None, url_prefix=url_prefix)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            practice = services.practice_create(
                owner=request.user,
                name=data["name"],
                slug=data["slug"],
                timezone_name=data["timezone"],
                address=data["address"],
                phone=data["phone"],
                email=data["email"],
                owner_is_bookable=data["owner_is_bookable"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            request.session[SESSION_KEY] = practice.pk
            messages.success(request, _("Your practice “%(name)s” is ready.") % {"name": practice})
            return redirect("practices:dashboard")
    return render(request, "practices/onboarding.html", {"form": form})


@login_required
@require_POST
def switch_practice(request: HttpRequest, practice_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, user=request.user, practice_id=practice_id)
    request.session[SESSION_KEY] = membership.practice_id
    return redirect("practices:dashboard")


@login_required
def practice_settings(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    form = PracticeSettingsForm(request.POST or None, instance=membership.practice)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit_record(
            practice=membership.practice,
            actor=request.user,
            action=AuditAction.SETTINGS_CHANGED,
            obj=membership.practice,
            request=request,
            data={"fields": form.changed_data},
        )
        messages.success(request, _("Changes saved."))
        return redirect("practices:settings")
    return render(request, "practices/settings.html", {"form": form})


@login_required
def members(request: HttpRequest) -> HttpResponse:
    membership = require_membership(request, manager=True)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                practice=membership.practice,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            audit_record(
                practice=membership.practice,
                actor=request.user,
                action=AuditAction.INVITATION_SENT,
                obj=invitation,
                request=request,
                data={"role": invitation.role},
            )
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("practices:members")
    practice = membership.practice
    return render(
        request,
        "practices/members.html",
        {
            "form": form,
            "membership": membership,
            "members": Membership.objects.filter(practice=practice)
            .select_related("user")
            .order_by("user__full_name", "user__email"),
            "invitations": Invitation.objects.filter(
                practice=practice, accepted_at=None, revoked_at=None
            ).order_by("-created_at"),
            "role_form": RoleForm(),
            "member_stats": Membership.objects.filter(practice=practice)
            .values("role")
            .annotate(n=Count("id")),
        },
    )


@login_required
@require_POST
def member_role(request: HttpRequest, pk: int) -> HttpResponse:
    me, member = _get_member_for_manager(request, pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(
                membership=member, role=form.cleaned_data["role"], by=me
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            audit_record(
                practice=me.practice,
                actor=request.user,
                action=AuditAction.ROLE_CHANGED,
                obj=member,
                request=request,
                data={"role": form.cleaned_data["role"]},
            )
            messages.success(request, _("Role updated."))
    else:
        messages.error(request, _("Choose a valid role."))
    return redirect("practices:members")


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    me, member = _get_member_for_manager(request, pk)
    try:
        services.membership_remove(membership=member, by=me)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        audit_record(
            practice=me.practice,
            actor=request.user,
            action=AuditAction.MEMBER_REMOVED,
            obj=member.user,
            request=request,
        )
        messages.success(request, _("%(name)s is no longer a member.") % {"name": member.user})
    return redirect("practices:members")


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    me = require_membership(request, manager=True)
    invitation = get_object_or_404(Invitation, pk=pk, practice=me.practice)
    services.invitation_revoke(invitation=invitation, by=request.user)
    audit_record(
        practice=me.practice,
        actor=request.user,
        action=AuditAction.INVITATION_REVOKED,
        obj=invitation,
        request=request,
    )
    messages.success(request, _("Invitation withdrawn."))
    return redirect("practices:members")


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.select_related("practice"), token_hash=hash_token(token)
    )
    error = None
    try:
        services.invitation_check(invitation)
    except ServiceError as exc:
        error = exc.message
    if request.method == "POST" and error is None:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        try:
            membership = services.invitation_accept(invitation=invitation, user=request.user)
        except ServiceError as exc:
            error = exc.message
        else:
            request.session[SESSION_KEY] = membership.practice_id
            messages.success(
                request,
                _("Welcome to %(practice)s.") % {"practice": membership.practice},
            )
            return redirect("practices:dashboard")
    return render(
        request,
        "practices/invitation.html",
        {"invitation": invitation, "error": error},
        status=410 if error and request.method == "GET" else 200,
    )

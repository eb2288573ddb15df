"""Staff endpoints for the waiting list: the open entries (per service), and taking one off."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from citas.booking.models import WaitlistEntry
from citas.booking.waitlist import STAFF_ROLES, open_entries, waitlist_leave

from ..pagination import CreatedCursorPagination
from ..permissions import IsPracticeMember, membership_for
from ..serializers import EmptySerializer, WaitlistEntrySerializer, WaitlistFilterSerializer
from .appointments import StaffView
from .common import errors, page_of, parsed, practice_of

TAG = "waitlist"


class IsWaitlistStaff(IsPracticeMember):
    """As on the staff page: owners, administrators and reception (not professionals)."""

    message = _("Only the practice's owner, administrators or reception can do this.")

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and (
            membership_for(request).role in STAFF_ROLES
        )


class WaitlistView(StaffView):
    permission_classes = [IsWaitlistStaff, *StaffView.permission_classes[1:]]


class WaitlistList(WaitlistView):
    @extend_schema(
        operation_id="waitlist_list",
        tags=[TAG],
        parameters=[WaitlistFilterSerializer],
        responses={
            200: page_of(WaitlistEntrySerializer, "WaitlistPage"),
            **errors(400, 401, 403),
        },
        description=_("Waiting and offered entries, oldest first."),
    )
    def get(self, request):
        filters = parsed(WaitlistFilterSerializer, request.query_params)
        rows = open_entries(practice=practice_of(request), service_id=filters.get("service"))
        paginator = CreatedCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(WaitlistEntrySerializer(page, many=True).data)


class WaitlistRemove(WaitlistView):
    @extend_schema(
        operation_id="waitlist_remove",
        tags=[TAG],
        request=EmptySerializer,
        responses={200: WaitlistEntrySerializer, **errors(400, 401, 403, 404)},
        description=_("Takes the entry off the list (a booked entry stays as it is)."),
    )
    def post(self, request, pk: int):
        entry = get_object_or_404(WaitlistEntry, pk=pk, practice=practice_of(request))
        parsed(EmptySerializer, request.data)
        return Response(WaitlistEntrySerializer(waitlist_leave(entry=entry)).data)

"""Public endpoints: what a practice's booking page shows, and booking itself. No account."""

import math
from zoneinfo import ZoneInfo

from allauth.account.adapter import get_adapter as get_account_adapter
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from citas.booking.abuse import booking_attempt_refusal
from citas.booking.challenge import challenge_refusal, new_challenge, note_public_booking
from citas.booking.email_check import needs_email_check
from citas.booking.models import AppointmentChannel
from citas.booking.services import appointment_book, client_for_booking
from citas.calendars.tasks import refresh_stale
from citas.catalog.models import Service
from citas.core.errors import ServiceError
from citas.practices.models import Practice, Professional
from citas.privacy.models import ConsentChannel, ConsentPurpose
from citas.privacy.services import consent_record
from citas.scheduling.selectors import availability_for, offering_with_hours

from ..permissions import HasTokenScope, IsPracticeManager, membership_for
from ..selectors import active_service_of, practice_with_schedule
from ..serializers import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    BookingSerializer,
    ChallengeSerializer,
    PracticeSerializer,
    PracticeUpdateSerializer,
    ProfessionalSerializer,
    PublicBookingSerializer,
    ServiceSerializer,
)
from ..services import practice_update
from .common import errors, field_error, of_practice, parsed

PUBLIC = "public"


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]


class PracticeDetail(APIView):
    """Public profile (anyone); changing it needs an owner or administrator of that practice."""

    permission_classes = [IsPracticeManager, HasTokenScope]
    scope = "practice"
    public_reads = True

    @extend_schema(
        operation_id="practice_retrieve",
        tags=[PUBLIC],
        auth=[],
        responses={200: PracticeSerializer, **errors(404)},
    )
    def get(self, request, slug: str):
        practice = get_object_or_404(Practice, slug=slug)
        return Response(PracticeSerializer(practice).data)

    @extend_schema(
        operation_id="practice_update",
        tags=["practice"],
        request=PracticeUpdateSerializer,
        responses={200: PracticeSerializer, **errors(400, 401, 403, 404)},
    )
    def patch(self, request, slug: str):
        practice = membership_for(request).practice
        if practice.slug != slug:
            raise Http404
        data = parsed(PracticeUpdateSerializer, request.data)
        practice = practice_update(practice=practice, by=request.user, **data)
        return Response(PracticeSerializer(practice).data)


class ServiceList(PublicView):
    @extend_schema(
        operation_id="practice_services",
        tags=[PUBLIC],
        responses={200: ServiceSerializer(many=True), **errors(404)},
    )
    def get(self, request, slug: str):
        practice = get_object_or_404(Practice, slug=slug)
        rows = (
            Service.objects.active()
            .filter(practice=practice)
            .prefetch_related(
                Prefetch(
                    "professionals",
                    queryset=Professional.objects.filter(is_active=True).only("pk"),
                )
            )
            .order_by("name", "pk")
        )
        data = [
            {
                **{f: getattr(s, f) for f in ("id", "name", "description", "duration_minutes")},
                **{f: getattr(s, f) for f in ("price", "currency", "color")},
                "professionals": [p.pk for p in s.professionals.all()],
            }
            for s in rows
        ]
        return Response(ServiceSerializer(data, many=True).data)


class ProfessionalList(PublicView):
    @extend_schema(
        operation_id="practice_professionals",
        tags=[PUBLIC],
        responses={200: ProfessionalSerializer(many=True), **errors(404)},
    )
    def get(self, request, slug: str):
        practice = get_object_or_404(Practice, slug=slug)
        rows = Professional.objects.filter(practice=practice, is_active=True).order_by(
            "display_name", "pk"
        )
        return Response(ProfessionalSerializer(rows, many=True).data)


class AvailabilityThrottled(PublicView):
    """Too many reads say so, not "too many booking attempts" (a visitor who only looks)."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_availability"

    def throttled(self, request, wait):
        minutes = max(1, math.ceil((wait or 60) / 60))
        raise Throttled(
            wait,
            detail=ngettext(
                "Too many availability requests from your address. "
                "Please try again in %(minutes)d minute.",
                "Too many availability requests from your address. "
                "Please try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )


class Availability(AvailabilityThrottled):
    @extend_schema(
        operation_id="practice_availability",
        tags=[PUBLIC],
        parameters=[AvailabilityQuerySerializer],
        responses={200: AvailabilitySerializer, **errors(400, 404, 429)},
    )
    def get(self, request, slug: str):
        practice = practice_with_schedule(slug)
        params = parsed(AvailabilityQuerySerializer, request.query_params)
        service = active_service_of(practice, params["service"])
        if service is None:
            raise field_error("service", _("Choose a service of this practice."))
        # The professionals with their hours in one query (the engine needs nothing else).
        working = offering_with_hours(service=service, professional_id=params.get("professional"))
        if params.get("professional") is not None and not working:
            raise field_error("professional", _("Choose a professional who offers the service."))
        refresh_stale(professional_ids=list(working))
        result = availability_for(
            practice=practice,
            service=service,
            working=working,
            first_day=params["from"],
            last_day=params["to"],
            now=timezone.now(),
        )
        zone = ZoneInfo(practice.timezone)
        days = {
            day.isoformat(): [
                {"start": start.astimezone(zone).isoformat(), "professional": professional}
                for start, professional in slots
            ]
            for day, slots in result["any"].items()
        }
        return Response({"timezone": practice.timezone, "days": days})


class BookingChallenge(AvailabilityThrottled):
    @extend_schema(
        operation_id="booking_challenge",
        tags=[PUBLIC],
        responses={200: ChallengeSerializer, **errors(429)},
        description=_(
            "A proof-of-work challenge (ALTCHA, protocol v1) for a public booking. Find the "
            "number n between 0 and maxNumber for which the hex SHA-256 of salt followed by n "
            '(in decimal) equals challenge, then send base64 of the JSON {"algorithm", '
            '"challenge", "number": n, "salt", "signature"} as `altcha` with the '
            "booking. A challenge expires after a few minutes and is accepted once; the altcha "
            "libraries (JavaScript, Python, Go…) solve it with solveChallenge/solve_challenge."
        ),
    )
    def get(self, request):
        return Response(new_challenge(), headers={"Cache-Control": "no-store"})


class PublicBooking(PublicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_booking"

    @extend_schema(
        operation_id="practice_book",
        tags=[PUBLIC],
        request=PublicBookingSerializer,
        responses={201: BookingSerializer, **errors(400, 404, 409, 413, 429)},
        description=_(
            "Book a free slot as a client, under the same rules as the public booking page. "
            "Rate-limited per IP address, per email address and per practice; a client holds "
            "at most a few upcoming appointments per practice (400 `too_many_upcoming`). Past "
            "the practice's most online bookings per hour the answer is 429 "
            "`too_many_bookings` with Retry-After. After a few attempts from one address, or "
            "a busy hour at the practice, the booking needs a solved proof-of-work challenge "
            "in `altcha` (get one from the challenge endpoint); without it the answer is 400 "
            "`challenge_failed`."
        ),
    )
    def post(self, request, slug: str):
        practice = get_object_or_404(Practice, slug=slug)
        data = parsed(PublicBookingSerializer, request.data)
        refusal = challenge_refusal(
            ip=get_account_adapter().get_client_ip(request._request),
            email=data["email"],
            practice_id=practice.pk,
            payload=data["altcha"],
        )
        if refusal:
            raise ServiceError(refusal, field="altcha", code="challenge_failed")
        refusal = booking_attempt_refusal(practice=practice, email=data["email"])
        if refusal:
            raise Throttled(detail=refusal)
        service = of_practice(
            Service, practice, data["service"], "service", _("Choose a service of this practice.")
        )
        professional = of_practice(
            Professional,
            practice,
            data["professional"],
            "professional",
            _("Choose a professional of this practice."),
        )
        # One transaction: a refused booking leaves no new client record behind.
        with transaction.atomic():
            client = client_for_booking(
                practice=practice,
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                privacy_accepted=True,
            )
            consent_record(
                client=client,
                purpose=ConsentPurpose.APPOINTMENTS,
                granted=True,
                channel=ConsentChannel.API,
            )
            appointment = appointment_book(
                practice=practice,
                professional=professional,
                service=service,
                client=client,
                start=data["start"],
                by_client=True,
                channel=AppointmentChannel.API,
                notes=data["notes"],
                email_check=needs_email_check(practice=practice, user=None, email=data["email"]),
            )
        note_public_booking(practice.pk)
        return Response(BookingSerializer(appointment).data, status=status.HTTP_201_CREATED)

from django.contrib import admin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citas.scheduling.admin_mixins import BumpsScheduleVersion

from .models import ACTIVE_STATUSES, Appointment, AppointmentEvent, Client, WaitlistEntry
from .waitlist import offer_freed_slot_on_commit, waitlist_leave


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "practice", "privacy_accepted_at"]
    search_fields = ["full_name", "email", "phone", "practice__name"]
    list_select_related = ["practice"]
    raw_id_fields = ["practice", "user"]


class AppointmentEventInline(admin.TabularInline):
    model = AppointmentEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "by_client", "data"]
    readonly_fields = fields


@admin.register(Appointment)
class AppointmentAdmin(BumpsScheduleVersion, admin.ModelAdmin):
    # Operators look appointments up; changes go through the pages so the rules and the
    # notifications apply.
    list_display = ["start", "client", "service", "professional", "practice", "status"]
    list_filter = ["status"]
    search_fields = ["client__full_name", "client__email", "client__phone", "practice__name"]
    list_select_related = ["client", "service", "professional", "practice"]
    date_hierarchy = "start"
    inlines = [AppointmentEventInline]
    readonly_fields = [
        "practice",
        "professional",
        "service",
        "client",
        "start",
        "end",
        "blocked_start",
        "blocked_end",
        "status",
        "token",
        "created_by",
    ]

    def has_add_permission(self, request):
        return False

    # Deleting an active appointment frees its time as cancelling it does: the waiting list is
    # offered it once the deletion commits.
    def delete_model(self, request, obj):
        with transaction.atomic():
            _offer_the_time_of([obj])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            _offer_the_time_of(queryset.select_related("practice", "professional"))
            super().delete_queryset(request, queryset)


def _offer_the_time_of(appointments) -> None:
    now = timezone.now()
    for appointment in appointments:
        if appointment.status in ACTIVE_STATUSES:
            offer_freed_slot_on_commit(
                practice=appointment.practice,
                professional=appointment.professional,
                start=appointment.start,
                end=appointment.end,
                now=now,
            )


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    # Operators look entries up and take people off the list; offers and claims go through
    # the waiting list's services (waitlist.py), so nothing else is editable here.
    list_display = ["created_at", "full_name", "email", "service", "practice", "status"]
    list_filter = ["status", "part_of_day"]
    search_fields = ["full_name", "email", "phone", "practice__name", "service__name"]
    list_select_related = ["service", "practice"]
    date_hierarchy = "created_at"
    actions = ["take_off_the_list"]
    readonly_fields = [
        "practice",
        "service",
        "professional",
        "full_name",
        "email",
        "phone",
        "language",
        "first_day",
        "last_day",
        "part_of_day",
        "status",
        "token",
        "offered_start",
        "offered_professional",
        "offer_expires_at",
        "appointment",
    ]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Take off the waiting list"))
    def take_off_the_list(self, request, queryset):
        for entry in queryset:
            waitlist_leave(entry=entry)

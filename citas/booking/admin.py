from django.contrib import admin

from citas.scheduling.admin_mixins import BumpsScheduleVersion

from .models import Appointment, AppointmentEvent, Client


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

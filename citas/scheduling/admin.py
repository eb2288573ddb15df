from django.contrib import admin

from .admin_mixins import BumpsScheduleVersion
from .models import BookingPolicy, TimeOff, WorkingHours


@admin.register(WorkingHours)
class WorkingHoursAdmin(BumpsScheduleVersion, admin.ModelAdmin):
    list_display = ["practice", "professional", "weekday", "start_time", "end_time"]
    list_filter = ["weekday"]
    search_fields = ["practice__name", "professional__display_name"]
    list_select_related = ["practice", "professional"]
    raw_id_fields = ["practice", "professional"]


@admin.register(TimeOff)
class TimeOffAdmin(BumpsScheduleVersion, admin.ModelAdmin):
    list_display = ["practice", "professional", "start", "end", "all_day", "reason", "note"]
    list_filter = ["reason", "all_day"]
    search_fields = ["practice__name", "professional__display_name", "note"]
    list_select_related = ["practice", "professional"]
    raw_id_fields = ["practice", "professional"]
    date_hierarchy = "start"


@admin.register(BookingPolicy)
class BookingPolicyAdmin(BumpsScheduleVersion, admin.ModelAdmin):
    list_display = [
        "practice",
        "min_notice_minutes",
        "horizon_days",
        "slot_step_minutes",
        "cancellation_window_hours",
        "approval_required",
    ]
    list_filter = ["approval_required"]
    search_fields = ["practice__name"]
    list_select_related = ["practice"]

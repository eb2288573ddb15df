from django.contrib import admin

from citas.scheduling.admin_mixins import BumpsScheduleVersion

from .models import ExternalCalendar


@admin.register(ExternalCalendar)
class ExternalCalendarAdmin(BumpsScheduleVersion, admin.ModelAdmin):
    # The address is a secret of the professional's: not listed, not searchable.
    list_display = ["name", "professional", "practice", "synced_at", "problem", "busy_count"]
    list_filter = ["problem"]
    search_fields = ["name", "professional__display_name", "practice__name"]
    exclude = ["url", "etag", "last_modified"]
    readonly_fields = ["checked_at", "synced_at", "problem", "busy_count"]

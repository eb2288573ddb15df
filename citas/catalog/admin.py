from django.contrib import admin

from citas.scheduling.admin_mixins import BumpsScheduleVersion

from .models import Service


@admin.register(Service)
class ServiceAdmin(BumpsScheduleVersion, admin.ModelAdmin):
    list_display = ["name", "practice", "duration_minutes", "price", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "practice__name"]
    list_select_related = ["practice"]
    raw_id_fields = ["practice"]
    filter_horizontal = ["professionals"]

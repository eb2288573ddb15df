from django.contrib import admin

from .models import AuditEntry, ConsentRecord, ErasureRequest, PrivacyNotice, PrivacySettings


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence: operators may look, nobody may add, change or delete a row here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "practice", "actor_label", "action", "object_repr", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "object_repr", "practice__name"]
    list_select_related = ["practice"]
    date_hierarchy = "created_at"


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "practice", "client_id", "purpose", "granted", "channel"]
    list_filter = ["purpose", "granted", "channel"]
    list_select_related = ["practice"]


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(ReadOnlyAdmin):
    list_display = ["practice", "version", "controller_name", "created_at"]
    list_select_related = ["practice"]


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnlyAdmin):
    list_display = ["practice", "client_id", "requested_at", "due_at", "confirmed_at"]
    list_select_related = ["practice"]


@admin.register(PrivacySettings)
class PrivacySettingsAdmin(admin.ModelAdmin):
    list_display = ["practice", "inactive_client_years", "blocked_data_years"]
    raw_id_fields = ["practice"]

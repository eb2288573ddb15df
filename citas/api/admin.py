from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "user",
        "practice",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    search_fields = ["name", "prefix", "user__email", "practice__name"]
    list_select_related = ["user", "practice"]
    exclude = ["token_hash"]
    readonly_fields = ["prefix", "user", "practice", "last_used_at"]

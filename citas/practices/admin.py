from django.contrib import admin

from citas.scheduling.admin_mixins import BumpsScheduleVersion

from .models import Invitation, Membership, Practice, Professional


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Practice)
class PracticeAdmin(BumpsScheduleVersion, admin.ModelAdmin):
    # The timezone is part of the cached slots' key; a bump keeps the rule simple.
    practice_field = "id"

    def practice_id_of(self, obj) -> int | None:
        return obj.pk

    list_display = ["name", "slug", "timezone", "phone", "email", "created_at"]
    search_fields = ["name", "slug", "email", "phone"]
    list_filter = ["timezone"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "practice", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__full_name", "practice__name"]
    list_select_related = ["user", "practice"]
    autocomplete_fields = ["user", "practice"]


@admin.register(Professional)
class ProfessionalAdmin(BumpsScheduleVersion, admin.ModelAdmin):
    list_display = ["display_name", "practice", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["display_name", "practice__name"]
    list_select_related = ["practice"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "practice", "role", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "practice__name"]
    list_select_related = ["practice"]
    exclude = ["token_hash"]

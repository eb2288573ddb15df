from django.contrib import admin

from .models import CalendarFeed, ClientContactPreference, Notification, NotificationSettings


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "channel", "recipient", "status", "due_at", "sent_at", "attempts"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["recipient"]
    raw_id_fields = ["practice", "appointment", "professional", "dismissed_by"]
    date_hierarchy = "due_at"


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["practice", "reminder_offsets", "daily_agenda_hour", "sms_enabled"]


@admin.register(ClientContactPreference)
class ClientContactPreferenceAdmin(admin.ModelAdmin):
    list_display = ["client", "sms_consent", "reminders_unsubscribed_at"]
    raw_id_fields = ["client"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["professional", "updated_at"]
    raw_id_fields = ["professional"]
    exclude = ["token"]

from django.urls import path

from . import views, webhook_views

app_name = "notifications"

urlpatterns = [
    path("app/notificaciones/", views.notification_log, name="log"),
    path("app/notificaciones/ajustes/", views.notification_settings, name="preferences"),
    path("app/notificaciones/<int:pk>/reenviar/", views.notification_resend, name="resend"),
    path("app/notificaciones/<int:pk>/descartar/", views.notification_dismiss, name="dismiss"),
    path("app/notificaciones/<int:pk>/restaurar/", views.notification_restore, name="restore"),
    path(
        "app/notificaciones/descartar-fallidas/",
        views.notifications_dismiss_failed,
        name="dismiss_failed",
    ),
    path(
        "app/notificaciones/reenviar-fallidas/",
        views.notifications_resend_failed,
        name="resend_failed",
    ),
    path("app/mi-calendario/", views.calendar_feed, name="calendar_feed"),
    path(
        "app/mi-calendario/regenerar/",
        views.calendar_feed_regenerate,
        name="calendar_feed_regenerate",
    ),
    path("app/webhooks/", webhook_views.webhook_list, name="webhooks"),
    path("app/webhooks/nuevo/", webhook_views.webhook_create, name="webhook_create"),
    path("app/webhooks/<int:pk>/", webhook_views.webhook_detail, name="webhook"),
    path(
        "app/webhooks/<int:pk>/secreto/",
        webhook_views.webhook_rotate_secret,
        name="webhook_rotate_secret",
    ),
    path("app/webhooks/<int:pk>/activar/", webhook_views.webhook_toggle, name="webhook_toggle"),
    path("app/webhooks/<int:pk>/borrar/", webhook_views.webhook_delete, name="webhook_delete"),
    path(
        "app/webhooks/<int:pk>/entregas/<int:delivery_pk>/reenviar/",
        webhook_views.webhook_resend,
        name="webhook_resend",
    ),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("cita/<str:token>/calendario.ics", views.appointment_ics, name="appointment_ics"),
    path("cita/<str:token>/recordatorios/baja/", views.unsubscribe, name="unsubscribe"),
]

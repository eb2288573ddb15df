"""Mounted at the site root by config/urls.py: the API under api/, the token page in cuenta/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from citas.privacy import api as privacy_api
from citas.reports import api as reports_api

from . import token_views
from .views import appointments, clients, common, me, public, series, waitlist, webhooks

practice = [
    path("", public.PracticeDetail.as_view(), name="practice"),
    path("services/", public.ServiceList.as_view(), name="services"),
    path("professionals/", public.ProfessionalList.as_view(), name="professionals"),
    path("availability/", public.Availability.as_view(), name="availability"),
    path("bookings/", public.PublicBooking.as_view(), name="book"),
]
appointment = [
    path("", appointments.AppointmentDetail.as_view(), name="appointment"),
    path(
        "reschedule/",
        appointments.AppointmentReschedule.as_view(),
        name="appointment_reschedule",
    ),
    *(
        path(f"{action}/", view.as_view(), name=f"appointment_{action}")
        for action, view in (
            ("cancel", appointments.AppointmentCancel),
            ("confirm", appointments.AppointmentConfirm),
            ("reject", appointments.AppointmentReject),
            ("complete", appointments.AppointmentComplete),
            ("no-show", appointments.AppointmentNoShow),
        )
    ),
    path("series/cancel/", series.SeriesCancel.as_view(), name="appointment_series_cancel"),
    path("series/move/", series.SeriesMove.as_view(), name="appointment_series_move"),
]
client = [
    path("", clients.ClientDetail.as_view(), name="client"),
    path("merge/", clients.ClientMerge.as_view(), name="client_merge"),
    path("appointments/", clients.ClientAppointments.as_view(), name="client_appointments"),
    path("export/", privacy_api.ClientExport.as_view(), name="client_export"),
    path("consents/", privacy_api.ClientConsents.as_view(), name="client_consents"),
]
webhook = [
    path("", webhooks.WebhookDetail.as_view(), name="webhook"),
    path(
        "rotate-secret/",
        webhooks.WebhookRotateSecret.as_view(),
        name="webhook_rotate_secret",
    ),
    path("deliveries/", webhooks.WebhookDeliveries.as_view(), name="webhook_deliveries"),
]
my_appointment = [
    path("cancel/", me.MyAppointmentCancel.as_view(), name="my_appointment_cancel"),
    path("reschedule/", me.MyAppointmentReschedule.as_view(), name="my_appointment_reschedule"),
]
v1 = [
    path("practices/<slug:slug>/", include(practice)),
    path("booking-challenge/", public.BookingChallenge.as_view(), name="booking_challenge"),
    path("appointments/", appointments.AppointmentList.as_view(), name="appointments"),
    path("appointments/<int:pk>/", include(appointment)),
    path("series/", series.SeriesCreate.as_view(), name="series"),
    path("series/preview/", series.SeriesPreview.as_view(), name="series_preview"),
    path("clients/", clients.ClientList.as_view(), name="clients"),
    path("waitlist/", waitlist.WaitlistList.as_view(), name="waitlist"),
    path("waitlist/<int:pk>/remove/", waitlist.WaitlistRemove.as_view(), name="waitlist_remove"),
    path("clients/<int:pk>/", include(client)),
    path("webhooks/", webhooks.WebhookList.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", include(webhook)),
    path("me/appointments/", me.MyAppointmentList.as_view(), name="my_appointments"),
    path("me/appointments/<int:pk>/", include(my_appointment)),
    path("reports/<slug:name>/", reports_api.ReportDetail.as_view(), name="report"),
]

app_name = "api"

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/v1/", common.not_found),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("cuenta/tokens/", token_views.token_list, name="tokens"),
    path("cuenta/tokens/<int:pk>/renovar/", token_views.token_renew, name="token_renew"),
    path("cuenta/tokens/<int:pk>/revocar/", token_views.token_revoke, name="token_revoke"),
]

"""Public booking routes. `urlpatterns` lives under r/<practice_slug>/ next to the scheduling
app's availability JSON; the manage link and "Mis citas" are mounted by config.urls."""

from django.urls import path

from . import attendance_views, client_views, public_views, waitlist_views

app_name = "public_booking"

urlpatterns = [
    path("", public_views.booking_page, name="page"),
    path("reservar/", public_views.booking_submit, name="submit"),
    path("reserva/<str:token>/", public_views.booking_done, name="done"),
    path("confirmar-correo/<str:token>/", public_views.email_check, name="email_check"),
    path("lista-de-espera/", waitlist_views.join, name="waitlist_join"),
    path("lista-de-espera/<str:token>/", waitlist_views.offer, name="waitlist_offer"),
    path("lista-de-espera/<str:token>/salir/", waitlist_views.leave, name="waitlist_leave"),
]

manage_patterns = (
    [
        path("", client_views.manage, name="page"),
        path("cancelar/", client_views.manage_cancel, name="cancel"),
        path("cambiar/", client_views.manage_reschedule, name="reschedule"),
        path("asistire/", attendance_views.attend, name="attend"),
        path("no-podre-ir/", attendance_views.decline, name="decline"),
    ],
    "manage",
)

my_appointments_patterns = (
    [
        path("<int:pk>/", client_views.my_appointment, name="detail"),
        path("<int:pk>/cancelar/", client_views.my_appointment_cancel, name="cancel"),
        path("<int:pk>/cambiar/", client_views.my_appointment_reschedule, name="reschedule"),
    ],
    "my_appointments",
)

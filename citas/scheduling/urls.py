from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("horario/", views.working_hours_overview, name="hours"),
    path("horario/plantilla/", views.working_hours_template, name="hours_template"),
    path("horario/<int:pk>/", views.working_hours_edit, name="hours_edit"),
    path("ausencias/", views.time_off_list, name="time_off"),
    path("ausencias/<int:pk>/borrar/", views.time_off_delete, name="time_off_delete"),
    path("ausencias/festivos/", views.holidays_import, name="holidays"),
    path("reservas/", views.booking_policy_edit, name="policy"),
]

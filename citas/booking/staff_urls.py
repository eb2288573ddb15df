from django.urls import path

from . import staff_client_views as client_views
from . import staff_views as views
from . import waitlist_views

app_name = "booking_staff"

urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/eventos/", views.agenda_feed, name="agenda_feed"),
    path("agenda/nueva-cita/", views.agenda_book, name="agenda_book"),
    path("agenda/buscar-cliente/", client_views.client_picker, name="client_picker"),
    path("citas/", views.appointment_list, name="appointment_list"),
    path("citas/<int:pk>/", views.appointment_detail, name="appointment_detail"),
    path("citas/<int:pk>/mover/", views.appointment_move, name="appointment_move"),
    path(
        "citas/<int:pk>/reprogramar/", views.appointment_reschedule, name="appointment_reschedule"
    ),
    path(
        "citas/<int:pk>/nuevo-enlace/", views.appointment_link_renew, name="appointment_link_renew"
    ),
    path("citas/<int:pk>/<slug:action>/", views.appointment_action, name="appointment_action"),
    path("clientes/", client_views.client_list, name="client_list"),
    path("clientes/nuevo/", client_views.client_create, name="client_create"),
    path("clientes/<int:pk>/", client_views.client_detail, name="client_detail"),
    path("clientes/<int:pk>/editar/", client_views.client_edit, name="client_edit"),
    path("clientes/<int:pk>/fusionar/", client_views.client_merge, name="client_merge"),
    path(
        "clientes/<int:pk>/no-presentados/reiniciar/",
        client_views.client_no_shows_reset,
        name="client_no_shows_reset",
    ),
    path("lista-de-espera/", waitlist_views.staff_list, name="waitlist"),
    path("lista-de-espera/<int:pk>/quitar/", waitlist_views.staff_remove, name="waitlist_remove"),
    path(
        "lista-de-espera/<int:pk>/nuevo-enlace/",
        waitlist_views.staff_link_renew,
        name="waitlist_link_renew",
    ),
]

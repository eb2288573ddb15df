from django.urls import path

from . import views

app_name = "practices"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("nueva-consulta/", views.onboarding, name="onboarding"),
    path("consulta/<int:practice_id>/activar/", views.switch_practice, name="switch"),
    path("ajustes/", views.practice_settings, name="settings"),
    path("equipo/", views.members, name="members"),
    path("equipo/<int:pk>/rol/", views.member_role, name="member_role"),
    path("equipo/<int:pk>/quitar/", views.member_remove, name="member_remove"),
    path("invitaciones/<int:pk>/retirar/", views.invitation_revoke, name="invitation_revoke"),
]

from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("nuevo/", views.service_create, name="create"),
    path("<int:pk>/", views.service_edit, name="edit"),
    path("<int:pk>/activo/", views.service_toggle, name="toggle"),
]

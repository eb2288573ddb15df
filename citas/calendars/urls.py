from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_list, name="list"),
    path("<int:pk>/", views.calendar_edit, name="edit"),
    path("<int:pk>/sincronizar/", views.calendar_sync, name="sync"),
    path("<int:pk>/desconectar/", views.calendar_remove, name="remove"),
]

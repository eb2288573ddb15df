from django.urls import path

from . import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendar_list, name="list"),
    path("<int:pk>/", views.calendar_edit, name="edit"),
    path("<int:pk>/sincronizar/", views.calendar_sync, name="sync"),
    path("<int:pk>/desconectar/", views.calendar_remove, name="remove"),
    path("caldav/", views.caldav_connect, name="caldav_connect"),
    path("caldav/<int:pk>/leer/", views.caldav_read, name="caldav_read"),
    path("caldav/<int:pk>/escribir/", views.caldav_write, name="caldav_write"),
    path("caldav/<int:pk>/desconectar/", views.caldav_remove, name="caldav_remove"),
]

from django.urls import path

from . import views

app_name = "public_scheduling"

urlpatterns = [
    path("disponibilidad/", views.availability, name="availability"),
]

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("<slug:name>/", views.report_card, name="report"),
    path("<slug:name>.<str:extension>", views.report_export, name="export"),
]

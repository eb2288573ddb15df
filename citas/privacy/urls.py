from django.urls import path

from . import public_views, views

app_name = "privacy"

urlpatterns = [
    path("privacidad/", views.overview, name="overview"),
    path("privacidad/aviso/", views.notice_edit, name="notice_edit"),
    path("privacidad/ajustes/", views.settings_edit, name="settings"),
    path("privacidad/registro/", views.audit_log, name="audit_log"),
    path("privacidad/bloqueados/", views.blocked_list, name="blocked_list"),
    path("privacidad/bloqueados/<int:pk>/", views.blocked_detail, name="blocked_detail"),
    path("privacidad/actividades/", views.processing_record, name="processing_record"),
    path("clientes/<int:pk>/exportar/", views.client_export, name="client_export"),
    path("clientes/<int:pk>/consentimiento/", views.client_consent, name="client_consent"),
    path("clientes/<int:pk>/suprimir/", views.client_erase, name="client_erase"),
]

# /r/<practice_slug>/privacidad/
public_patterns = ([path("", public_views.notice, name="notice")], "privacy_public")

# /mis-citas/datos/<practice_slug>/
my_data_patterns = (
    [
        path("exportar/", public_views.my_data_export, name="export"),
        path("suprimir/", public_views.my_data_erasure, name="erasure"),
        path("sms/baja/", public_views.my_data_sms_withdraw, name="sms_withdraw"),
    ],
    "my_data",
)

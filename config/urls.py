from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from citas.accounts import views as account_views
from citas.booking import client_views as booking_client_views
from citas.booking.public_urls import manage_patterns, my_appointments_patterns
from citas.core import security as core_security
from citas.core import views as core_views
from citas.practices import views as practice_views
from citas.privacy.urls import my_data_patterns
from citas.privacy.urls import public_patterns as privacy_public_patterns

# The admin logs in through allauth: rate limits, 2FA and no account enumeration apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Gestor de Citas"
admin.site.site_title = "Gestor de Citas"

urlpatterns = [
    path("", core_views.landing, name="landing"),
    path("healthz", core_views.healthz, name="healthz"),
    # Every request walks these patterns in order: the API (clients calling in loops) is tried
    # before the pages. No pattern above or below it matches /api/… or /cuenta/tokens/….
    path("", include("citas.api.urls")),  # /api/v1/, /api/schema/, /api/docs/, /cuenta/tokens/
    path("robots.txt", core_views.robots_txt, name="robots_txt"),
    path("manifest.webmanifest", core_views.manifest, name="manifest"),
    path("sw.js", core_views.service_worker, name="service_worker"),
    path("sin-conexion/", core_views.offline, name="offline"),
    path("csp-report/", core_security.csp_report, name="csp_report"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("accounts/signup/", account_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("cuenta/", include("citas.accounts.urls")),
    path("mis-citas/", booking_client_views.my_appointments, name="home"),
    path("mis-citas/", include(my_appointments_patterns)),
    path("mis-citas/datos/<slug:practice_slug>/", include(my_data_patterns)),
    path("cita/<str:token>/", include(manage_patterns)),
    path("app/", include("citas.practices.urls")),
    path("app/servicios/", include("citas.catalog.urls")),
    path("app/calendarios/", include("citas.calendars.urls")),
    path("app/agenda/", include("citas.scheduling.urls")),
    path("app/informes/", include("citas.reports.urls")),
    path("app/", include("citas.booking.staff_urls")),
    path("app/", include("citas.privacy.urls")),
    path("r/<slug:practice_slug>/", include("citas.scheduling.public_urls")),
    path("r/<slug:practice_slug>/", include("citas.booking.public_urls")),
    path("r/<slug:practice_slug>/privacidad/", include(privacy_public_patterns)),
    path("invitaciones/<str:token>/", practice_views.invitation_accept, name="invitation_accept"),
    path("", include("citas.notifications.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url="/static/img/favicon.svg", permanent=True)),
]

handler400 = "citas.core.error_views.bad_request"
handler403 = "citas.core.error_views.permission_denied"
handler404 = "citas.core.error_views.page_not_found"
handler500 = "citas.core.error_views.server_error"

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from citas.accounts import views as account_views
from citas.core import views as core_views
from citas.practices import views as practice_views

# The admin logs in through allauth: rate limits, 2FA and no account enumeration apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Gestor de Citas"
admin.site.site_title = "Gestor de Citas"

urlpatterns = [
    path("", core_views.landing, name="landing"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("accounts/signup/", account_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("cuenta/", include("citas.accounts.urls")),
    path("mis-citas/", account_views.home, name="home"),
    path("app/", include("citas.practices.urls")),
    path("invitaciones/<str:token>/", practice_views.invitation_accept, name="invitation_accept"),
    path("admin/", admin.site.urls),
    path("favicon.ico", RedirectView.as_view(url="/static/img/favicon.svg", permanent=True)),
]

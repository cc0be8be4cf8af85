from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from core import health, views

admin.site.site_header = "Permanences emploi — administration"
admin.site.site_title = "Permanences emploi"
admin.site.index_title = "Administration de l'installation"
# The admin's login is the site's, with its two-factor step and its throttling.
admin.site.login = secure_admin_login(admin.site.login)

# The parts of django-allauth the staff use, under French addresses. No sign-up
# (accounts are created by an admin) and no password reset by e-mail (an admin
# sets a new password): their names lead to pages that say so.
accounts = [
    path("connexion/", account_views.login, name="login"),
    path("connexion/", account_views.login, name="account_login"),
    path("deconnexion/", account_views.logout, name="logout"),
    path("deconnexion/", account_views.logout, name="account_logout"),
    path("comptes/inactif/", account_views.account_inactive, name="account_inactive"),
    path("comptes/reauthentification/", account_views.reauthenticate, name="account_reauthenticate"),
    path("comptes/mot-de-passe/", account_views.password_change, name="account_change_password"),
    path("comptes/inscription/", views.no_self_service, name="account_signup"),
    path("comptes/mot-de-passe-oublie/", views.no_self_service, name="account_reset_password"),
    path("comptes/2fa/", include("allauth.mfa.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    # Probes (answered by core.health.HealthCheckMiddleware, first of the stack).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    *accounts,
    path("permanences/", include("permanences.urls")),
    path("personnes/", include("beneficiaries.urls")),
    # Public, no login: the address the city links to must not change.
    path("permanences-emploi/", include("permanences.public_urls")),
    path("bilans/", include("reporting.urls")),
    # The messages page and a file's one-off message; the e-mails' withdrawal link and
    # the provider's delivery reports (public), all under their own addresses.
    path("", include("messaging.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "core.views.permission_denied"

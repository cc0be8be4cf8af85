from allauth.account import views as account_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Permanences emploi — administration"
admin.site.site_title = "Permanences emploi"
admin.site.index_title = "Administration de l'installation"
# The admin's login is the site's, with its two-factor step and its throttling.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", account_views.login, name="login"),
    path("deconnexion/", account_views.logout, name="logout"),
    # django-allauth: two-factor authentication (comptes/2fa/…), re-authentication, password change.
    path("comptes/", include("allauth.urls")),
    path("permanences/", include("permanences.urls")),
    path("personnes/", include("beneficiaries.urls")),
    # Public, no login: the address the city links to must not change.
    path("permanences-emploi/", include("permanences.public_urls")),
    path("bilans/", include("reporting.urls")),
    path("admin/", admin.site.urls),
]

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

admin.site.site_header = "Permanences emploi — administration"
admin.site.site_title = "Permanences emploi"
admin.site.index_title = "Administration de l'installation"

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("permanences/", include("permanences.urls")),
    path("personnes/", include("beneficiaries.urls")),
    # Public, no login: the address the city links to must not change.
    path("permanences-emploi/", include("permanences.public_urls")),
    path("bilans/", include("reporting.urls")),
    path("admin/", admin.site.urls),
]

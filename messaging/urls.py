from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    # Public, no login: the link of every e-mail, and the provider's delivery reports.
    path("retrait/<str:token>/", views.withdraw, name="withdraw"),
    path("rapports/brevo/", views.brevo_report, name="brevo_report"),
]

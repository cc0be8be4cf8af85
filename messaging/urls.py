from django.urls import path

from . import text_views, views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.message_list, name="list"),
    path("messages/textes/", text_views.text_list, name="texts"),
    path("messages/textes/<int:pk>/", text_views.text_edit, name="text_edit"),
    path("personnes/<int:pk>/message/", views.compose, name="compose"),
    # Public, no login: the link of every e-mail, and the provider's delivery reports.
    path("messages/retrait/<str:token>/", views.withdraw, name="withdraw"),
    path("messages/rapports/brevo/", views.brevo_report, name="brevo_report"),
]

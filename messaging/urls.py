from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.message_list, name="list"),
    path("personnes/<int:pk>/message/", views.compose, name="compose"),
]

from django.urls import path

from . import views

app_name = "permanences"

urlpatterns = [
    path("aujourdhui/", views.today, name="today"),
]

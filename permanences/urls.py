from django.urls import path

from . import views

app_name = "permanences"

urlpatterns = [
    path("aujourdhui/", views.today, name="today"),
    path("<int:pk>/tenue/", views.hold, name="hold"),
    path("<int:pk>/annuler/", views.cancel, name="cancel"),
]

from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<str:fmt>/", views.export, name="export"),
    path("publier/", views.publish, name="publish"),
    path("qualite/", views.quality, name="quality"),
]

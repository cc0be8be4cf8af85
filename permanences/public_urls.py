"""The public schedule: no login, a stable address the city can link to."""

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.public_schedule, name="schedule"),
    path("agenda.ics", views.calendar_feed, name="feed"),
    path("lieux/<int:venue_pk>/agenda.ics", views.calendar_feed, name="venue_feed"),
    path("lieux/<int:venue_pk>/affiche.pdf", views.venue_poster, name="venue_poster"),
]

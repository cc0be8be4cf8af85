from django.urls import path

from . import planning_views, views

app_name = "permanences"

urlpatterns = [
    path("aujourdhui/", views.today, name="today"),
    path("mes-prochaines/", views.upcoming, name="upcoming"),
    path("<int:pk>/tenue/", views.hold, name="hold"),
    path("<int:pk>/annuler/", views.cancel, name="cancel"),
    path("<int:pk>/cloturer/", planning_views.close, name="close"),
    path("planning/", planning_views.planning, name="planning"),
    path("planning/planifier/", planning_views.generate, name="planning_generate"),
    path("planning/ajouter/", planning_views.add, name="planning_add"),
    path("planning/<int:pk>/modifier/", planning_views.edit, name="planning_edit"),
    path("planning/<int:pk>/annuler/", planning_views.cancel, name="planning_cancel"),
]

from django.urls import path

from . import activity_views, data_views, import_views, rgpd_views, views, workshop_views

app_name = "beneficiaries"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("recherche/", views.search, name="search"),
    path("nouvelle/", views.create, name="create"),
    path("notice-information/", views.notice, name="notice"),
    path("registre-des-traitements/", rgpd_views.register, name="register"),
    path("a-relancer/", views.followups, name="followups"),
    path("rendez-vous/", views.visit_list, name="visits"),
    path("rendez-vous/<int:pk>/etape-faite/", activity_views.visit_next_step_done, name="next_step_done"),
    path("orientations/<int:pk>/suite/", activity_views.referral_status, name="referral_status"),
    path("accueil/<int:pk>/", views.desk, name="desk"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/journal/", rgpd_views.trail, name="trail"),
    path("<int:pk>/anonymiser/", rgpd_views.anonymise, name="anonymise"),
    path("<int:pk>/droit-d-acces.pdf", rgpd_views.access_document, name="access_document"),
    path("<int:pk>/notice-remise/", views.notice_given, name="notice_given"),
    path("<int:pk>/rendez-vous/<int:permanence_pk>/", activity_views.visit_create, name="visit_create"),
    path("<int:pk>/sorties/nouvelle/", activity_views.outcome_form, name="outcome_create"),
    path("<int:pk>/sorties/<int:outcome_pk>/", activity_views.outcome_form, name="outcome_edit"),
    # Collective workshops (workshop_views.py).
    path("ateliers/", workshop_views.workshop_list, name="workshops"),
    path("ateliers/nouveau/", workshop_views.workshop_create_view, name="workshop_create"),
    path("ateliers/inscrire/", workshop_views.workshop_register, name="workshop_register"),
    path("ateliers/<int:pk>/", workshop_views.workshop_detail, name="workshop"),
    path("ateliers/<int:pk>/modifier/", workshop_views.workshop_edit, name="workshop_edit"),
    path("ateliers/<int:pk>/presences/", workshop_views.workshop_attendance, name="workshop_attendance"),
    path(
        "ateliers/inscriptions/<int:pk>/retirer/",
        workshop_views.workshop_unregister,
        name="workshop_unregister",
    ),
    # Coordination's data pages: import (import_views.py), nominative export, duplicates (data_views.py).
    path("donnees/", data_views.data_home, name="data"),
    path("donnees/import/", import_views.import_upload, name="import"),
    path("donnees/import/<uuid:pk>/", import_views.import_preview, name="import_preview"),
    path("donnees/import/suivi/<uuid:pk>/", import_views.import_job, name="import_job"),
    path("donnees/export/", data_views.export, name="export"),
    path("doublons/", data_views.duplicates, name="duplicates"),
    path("doublons/<int:pk>/<int:other_pk>/", data_views.merge, name="merge"),
    path("doublons/<int:pk>/<int:other_pk>/distincts/", data_views.distinct_pair, name="distinct_pair"),
]

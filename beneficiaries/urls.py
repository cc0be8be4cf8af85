from django.urls import path

from . import (
    activity_views,
    appointment_views,
    caseload_views,
    consent_views,
    correction_views,
    data_views,
    import_views,
    rgpd_views,
    views,
    workshop_views,
)

app_name = "beneficiaries"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("recherche/", views.search, name="search"),
    path("nouvelle/", views.create, name="create"),
    path("notice-information/", views.notice, name="notice"),
    path("registre-des-traitements/", rgpd_views.register, name="register"),
    path("a-relancer/", views.followups, name="followups"),
    path("mes-personnes/", caseload_views.my_caseload, name="caseload"),
    path("portefeuilles/", caseload_views.caseloads, name="caseloads"),
    path("portefeuilles/<int:pk>/reaffecter/", caseload_views.reassign, name="reassign"),
    path("rendez-vous/", views.visit_list, name="visits"),
    path("rendez-vous/<int:pk>/etape-faite/", activity_views.visit_next_step_done, name="next_step_done"),
    path("orientations/<int:pk>/suite/", activity_views.referral_status, name="referral_status"),
    # Corrections (correction_views.py): a row edited or deleted, with a reason.
    path("rendez-vous/<int:pk>/corriger/", correction_views.visit_edit, name="visit_edit"),
    path("rendez-vous/<int:pk>/supprimer/", correction_views.visit_delete, name="visit_delete"),
    path("orientations/<int:pk>/corriger/", correction_views.referral_edit, name="referral_edit"),
    path("orientations/<int:pk>/supprimer/", correction_views.referral_delete, name="referral_delete"),
    path("accueil/<int:pk>/", views.desk, name="desk"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/journal/", rgpd_views.trail, name="trail"),
    path("<int:pk>/anonymiser/", rgpd_views.anonymise, name="anonymise"),
    path("<int:pk>/droit-d-acces.pdf", rgpd_views.access_document, name="access_document"),
    path("<int:pk>/notice-remise/", views.notice_given, name="notice_given"),
    path("<int:pk>/accord-messages/", consent_views.consent, name="consent"),
    path("<int:pk>/referent/", caseload_views.referent_claim, name="referent_claim"),
    path("<int:pk>/rendez-vous/<int:permanence_pk>/", activity_views.visit_create, name="visit_create"),
    path("<int:pk>/suivis/nouveau/", appointment_views.appointment_create, name="appointment_create"),
    path("suivis/<int:pk>/annuler/", appointment_views.appointment_cancel_view, name="appointment_cancel"),
    path("<int:pk>/sorties/nouvelle/", activity_views.outcome_form, name="outcome_create"),
    path("<int:pk>/orientations/nouvelle/", correction_views.referral_create, name="referral_create"),
    path("<int:pk>/sorties/<int:outcome_pk>/", correction_views.outcome_edit, name="outcome_edit"),
    path(
        "<int:pk>/sorties/<int:outcome_pk>/supprimer/", correction_views.outcome_delete, name="outcome_delete"
    ),
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

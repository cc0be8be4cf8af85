"""RGPD lifecycle: right of access document, anonymisation on request and after
two years without contact, the register page."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.ages import age_band, generalised_birth_date
from beneficiaries.enums import OutcomeKind, Partner, ReferralChannel
from beneficiaries.models import Appointment, Beneficiary, Outcome, Referral, Visit
from beneficiaries.services import beneficiary_anonymise
from messaging.enums import Channel, Kind, Status
from permanences.models import PublicInfo
from reporting.bilan import compute_bilan

from ..factories import make_permanence, make_person, make_visit
from ..messaging.helpers import make_message

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def file(venue):
    person = make_person(
        "Zyxwvut",
        "Qwertyuiop",
        birth_date=D(1990, 6, 20),
        phone="06 39 98 12 34",
        email="zq@example.org",
        rqth="oui",
    )
    visit = make_visit(
        person, make_permanence(venue, D(2016, 6, 10)), notes="Notes Qwertyuiop", next_step="Appeler Zyxwvut"
    )
    make_visit(person, make_permanence(venue, D(2016, 6, 25)))
    Referral.objects.create(
        beneficiary=person,
        visit=visit,
        partner=Partner.PLIE,
        proposed_on=D(2016, 6, 10),
        detail="Chez Zyxwvut",
    )
    Outcome.objects.create(
        beneficiary=person, kind=OutcomeKind.CDI, start_date=D(2016, 9, 1), employer="Zyxwvut SARL"
    )
    return person


def identifying_values_left():
    """Search every text column of the database for the test person's values."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('character varying', 'text')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE lower("{column}") SIMILAR TO %s',
                ["%(zyxwvut|qwertyuiop|98 12 34|zq@example)%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def test_a_birth_date_is_made_coarser_without_changing_age_bands():
    born = D(1990, 6, 20)
    visits = [D(2016, 6, 10), D(2016, 6, 25)]  # 25 then 26 years old
    coarse = generalised_birth_date(born, visits)
    assert [age_band(coarse, v) for v in visits] == [age_band(born, v) for v in visits]
    assert generalised_birth_date(D(1980, 3, 3), [D(2020, 5, 5)]) == D(1980, 1, 1)


def test_anonymisation_on_request_leaves_no_identity_and_every_bilan_unchanged(client, coordinator, file):
    before = {year: compute_bilan(year).as_dict() for year in (2015, 2016, 2017)}
    client.force_login(coordinator)
    url = reverse("beneficiaries:anonymise", args=[file.pk])
    response = client.post(url, {"reason": "demande_effacement"})
    assert response.status_code == 400 and "Cochez la case" in response.content.decode()
    response = client.post(url, {"reason": "demande_effacement", "confirm": "on"})
    assert response.status_code == 302
    assert identifying_values_left() == []
    assert {year: compute_bilan(year).as_dict() for year in (2015, 2016, 2017)} == before
    file.refresh_from_db()
    assert file.anonymised_at is not None and file.rqth == ""
    assert (
        Visit.objects.filter(beneficiary=file).count() == 2
        and Outcome.objects.filter(beneficiary=file).exists()
    )
    assert AuditEntry.objects.filter(
        action=AuditAction.ANONYMISE, file_ref=file.ref, detail="demande_effacement"
    ).exists()
    # An anonymised file is found by no search and can no longer be edited.
    assert not Beneficiary.objects.search("anonyme").exists()
    refused = client.get(reverse("beneficiaries:edit", args=[file.pk]))
    assert refused.status_code == 403 and "Ce dossier est anonymisé" in refused.content.decode()
    assert (
        "Dossier anonymisé le" in client.get(reverse("beneficiaries:detail", args=[file.pk])).content.decode()
    )


def test_only_coordination_anonymises(client, counsellor, city, file):
    for user in (counsellor, city):
        client.force_login(user)
        response = client.post(
            reverse("beneficiaries:anonymise", args=[file.pk]), {"reason": "erreur", "confirm": "on"}
        )
        assert response.status_code == 403
    file.refresh_from_db()
    assert file.anonymised_at is None


def test_anonymise_inactive_is_a_dry_run_unless_asked(file, venue, today):
    recent = make_person("Récente", "Personne")
    make_visit(recent, make_permanence(venue, today))
    out, name = io.StringIO(), file.last_name
    audited = AuditEntry.objects.count()
    call_command("anonymise_inactive", stdout=out)
    assert out.getvalue().splitlines() == [
        f"Simulation : 1 dossier(s) sans rendez-vous ni atelier suivi depuis 730 jours seraient anonymisés : "
        f"{file.ref}.",
        "Rien n'a été enregistré : relancez avec --wet-run pour les anonymiser.",
    ]
    file.refresh_from_db()
    assert file.anonymised_at is None and file.last_name == name
    assert AuditEntry.objects.count() == audited
    before = {year: compute_bilan(year).as_dict() for year in (2016, today.year)}
    done = io.StringIO()
    call_command("anonymise_inactive", wet_run=True, stdout=done)
    assert done.getvalue() == "1 dossier(s) anonymisé(s).\n"
    file.refresh_from_db()
    recent.refresh_from_db()
    assert file.anonymised_at is not None and recent.anonymised_at is None
    assert identifying_values_left() == []
    assert {year: compute_bilan(year).as_dict() for year in (2016, today.year)} == before
    again = io.StringIO()
    call_command("anonymise_inactive", stdout=again)
    assert "Simulation : 0 dossier(s)" in again.getvalue()


def test_a_file_without_visit_counts_from_its_creation(today):
    person = make_person()
    Beneficiary.objects.filter(pk=person.pk).update(
        created_at=datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    )
    assert person in Beneficiary.objects.inactive_since(today - datetime.timedelta(days=730))


def test_the_access_document_holds_everything_and_is_recorded(client, coordinator, file, counsellor, venue):
    Beneficiary.objects.filter(pk=file.pk).update(
        referent=counsellor,
        sms_consent_at=datetime.datetime(2016, 6, 10, 9, 45, tzinfo=datetime.UTC),
        sms_consent_by=coordinator,
    )
    make_message(
        file,
        channel=Channel.EMAIL,
        kind=Kind.ONE_OFF,
        status=Status.FAILED,
        subject="Sujet Wqvz",
        body="Texte du message Kqwz",
        at=datetime.datetime(2016, 6, 12, 9, tzinfo=datetime.UTC),
    )
    Appointment.objects.create(
        beneficiary=file, permanence=make_permanence(venue, D(2016, 7, 1)), time="10:30", purpose="Objet Vwqz"
    )
    client.force_login(counsellor)
    client.get(reverse("beneficiaries:detail", args=[file.pk]))
    assert client.get(reverse("beneficiaries:access_document", args=[file.pk])).status_code == 403
    client.force_login(coordinator)
    response = client.get(reverse("beneficiaries:access_document", args=[file.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Zyxwvut",
        "Qwertyuiop",
        "06 39 98 12 34",
        "20/06/1990",
        "Notes Qwertyuiop",
        "PLIE",
        "CDI",
        "alice",
        "Référent·e Alice",
        "Objet Vwqz",
        "Manqué",
        # Consent per channel: since when, who recorded it; none on the other channel.
        "Oui, depuis le 10/06/2016 à 11h45",
        "Bob",
        "Courriel Non",
        # The messages: when, channel, what about, state, subject and text.
        "12/06/2016 11:00 (mis en file)",
        "Message d'un conseiller",
        "Échec",
        "Sujet Wqvz",
        "Texte du message Kqwz",
    ):
        assert expected in text, expected
    assert AuditEntry.objects.filter(action=AuditAction.ACCESS_REQUEST, file_ref=file.ref).exists()


def test_the_register_page_states_purposes_recipients_and_retention(client, coordinator, counsellor):
    client.force_login(counsellor)
    assert client.get(reverse("beneficiaries:register")).status_code == 403
    client.force_login(coordinator)
    html = client.get(reverse("beneficiaries:register")).content.decode()
    for expected in (
        "Finalités",
        "Destinataires",
        "Durées de conservation",
        "730 jours",
        "365 jours",
        "rendez-vous de suivi pris (permanence, heure, objet)",
        "référent·e et date de remise de la notice d'information",
        "dates, lieux, durée et thèmes des rendez-vous",
        "prochaine étape et son échéance",
        "l'identifiant saisi, l'adresse IP et le navigateur",
    ):
        assert expected in html, expected


def test_the_register_and_the_notice_say_what_the_admin_and_the_settings_say(client, coordinator, settings):
    client.force_login(coordinator)
    html = client.get(reverse("beneficiaries:register")).content.decode()
    assert html.count("À compléter dans l'administration") == 2
    assert "double authentification pour les conseillers, la coordination et l&#x27;administration" in html
    assert "anonymisés 2 ans (730 jours) après" in html and "Journal d'audit : 1 an (365 jours)" in html

    info = PublicInfo.objects.current()
    info.controller = "Association Aurore, 1 rue de l'Exemple, 93100 Montreuil"
    info.dpo_contact = "dpo@aurore.example.org"
    info.other_recipients = "Hébergeur : Exemple SAS (France)"
    info.save()
    settings.RETENTION_DAYS, settings.AUDIT_RETENTION_DAYS = 365, 90
    settings.MFA_REQUIRED_ROLES = ["coordination"]
    html = client.get(reverse("beneficiaries:register")).content.decode()
    assert "À compléter" not in html
    for expected in (
        "Association Aurore, 1 rue de l&#x27;Exemple",
        "dpo@aurore.example.org",
        " ; Hébergeur : Exemple SAS (France).",
        "anonymisés 1 an (365 jours)",
        "Journal d'audit : 90 jours, commande <code>purge_audit</code>, qui efface aussi, passé le même "
        "délai, le journal des connexions (identifiant, adresse IP et navigateur)",
        "Comptes des utilisateurs : conservés tant que l'installation ne les supprime pas",
        "double authentification pour la coordination et l&#x27;administration",
    ):
        assert expected in html, expected
    notice = client.get(reverse("beneficiaries:notice")).content.decode()
    assert "Association Aurore, 1 rue de l&#x27;Exemple, 93100 Montreuil, qui tient la permanence" in notice
    assert "(dpo@aurore.example.org)" in notice and "rendu anonyme 1 an (365 jours) après" in notice


def test_the_quality_panel_lists_files_due_and_soon_due_but_never_anonymised_ones(file, today):
    from beneficiaries.enums import QualityCheck
    from beneficiaries.quality import person_condition

    soon = make_person("Bientôt", "Échue")
    Beneficiary.objects.filter(pk=soon.pk).update(
        created_at=datetime.datetime.combine(
            today - datetime.timedelta(days=730 - 10), datetime.time(12), tzinfo=datetime.UTC
        )
    )

    def listed(check):
        return set(Beneficiary.objects.filter(person_condition(check, today=today)))

    assert listed(QualityCheck.IDLE) == {file} and listed(QualityCheck.IDLE_SOON) == {soon}
    beneficiary_anonymise(beneficiary=file, reason="erreur")
    assert listed(QualityCheck.IDLE) == set()


def test_the_notice_and_the_register_name_the_administrators_and_the_sending_provider(client, coordinator):
    info = PublicInfo.objects.current()
    info.other_recipients = "Hébergeur : Exemple SAS (France)\nCabinet comptable Exemple"
    info.save()
    client.force_login(coordinator)
    notice = client.get(reverse("beneficiaries:notice")).content.decode()
    register = client.get(reverse("beneficiaries:register")).content.decode()
    assert "les administrateurs de l'installation, qui peuvent ouvrir les dossiers" in notice
    assert "dans l'application comme dans son administration" in notice
    assert "le prestataire qui les envoie reçoit votre numéro ou votre adresse et le texte" in notice
    assert "Autres destinataires : Hébergeur : Exemple SAS (France) ; Cabinet comptable Exemple." in notice
    assert " ; Hébergeur : Exemple SAS (France) ; Cabinet comptable Exemple." in register
    help_text = PublicInfo._meta.get_field("other_recipients").help_text
    assert help_text.startswith("Registre des traitements et notice d'information : ")
    assert "les administrateurs de l'installation (dossiers nominatifs dans l'administration" in register
    assert "le prestataire d'envoi des SMS et des courriels" in register
    assert "Seules les conseillères" not in notice


def test_the_pages_say_which_contacts_count_for_the_anonymisation(client, coordinator, venue, today):
    client.force_login(coordinator)
    notice = client.get(reverse("beneficiaries:notice")).content.decode()
    register = client.get(reverse("beneficiaries:register")).content.decode()
    assert (
        "après votre dernier rendez-vous ou le dernier atelier que vous avez suivi "
        "(ou, s'il n'y en a aucun, après la création de votre dossier)" in notice
    )
    assert (
        "après le dernier rendez-vous ou le dernier atelier suivi "
        "(pour un dossier sans aucun des deux, après sa création)" in register
    )
    # What the sentences say: a referral or an outcome recorded lately is no contact.
    person = make_person("Ancienne", "Visite")
    make_visit(person, make_permanence(venue, today - datetime.timedelta(days=800)))
    Referral.objects.create(
        beneficiary=person, partner=Partner.PLIE, proposed_on=today, channel=ReferralChannel.PHONE
    )
    Outcome.objects.create(beneficiary=person, kind=OutcomeKind.CDI, start_date=today)
    call_command("anonymise_inactive", wet_run=True, stdout=io.StringIO())
    person.refresh_from_db()
    assert person.anonymised_at is not None


def test_the_notice_says_how_long_the_link_lasts_and_who_is_reminded(client, coordinator, settings):
    client.force_login(coordinator)
    notice = client.get(reverse("beneficiaries:notice")).content.decode()
    assert "le lien présent dans chaque courriel, valable 1 an (365 jours) après son envoi" in notice
    assert "un atelier où une place vous est réservée" in notice
    register = client.get(reverse("beneficiaries:register")).content.decode()
    assert "par le lien de chaque courriel (valable 1 an (365 jours) après l'envoi)" in register
    settings.CONSENT_LINK_MAX_AGE_DAYS = 90
    notice = client.get(reverse("beneficiaries:notice")).content.decode()
    assert "valable 90 jours après son envoi" in notice
    register = client.get(reverse("beneficiaries:register")).content.decode()
    assert "(valable 90 jours après l'envoi)" in register


def test_the_notice_lists_every_field_kept(client, coordinator):
    client.force_login(coordinator)
    notice = client.get(reverse("beneficiaries:notice")).content.decode()
    assert (
        "la conseillère ou le conseiller qui vous suit (référent·e) et la date à laquelle cette notice "
        "vous a été remise ; les dates et la durée de vos rendez-vous, les thèmes abordés, de courtes "
        "notes factuelles, la prochaine étape convenue et son échéance ; vos rendez-vous de suivi "
        "(date, heure, objet)" in notice
    )
    assert "si vous acceptez les SMS ou les courriels, votre accord et les messages envoyés" in notice


def test_the_register_cites_the_instructions_shown_under_the_fields(client, coordinator, counsellor, venue):
    person = make_person()
    client.force_login(coordinator)
    register = client.get(reverse("beneficiaries:register")).content.decode()
    assert (
        "la consigne affichée sous le champ du dossier demande de ne la renseigner qu'avec l'accord "
        "de la personne" in register
    )
    assert "consigne affichée sous le champ : « Faits objectifs uniquement" in register
    assert "est à remettre à chaque personne ; sa remise est notée (date) dans le dossier" in register
    client.force_login(counsellor)
    edit = client.get(reverse("beneficiaries:edit", args=[person.pk])).content.decode()
    assert "jamais la nature du handicap. À ne renseigner qu'avec l'accord de la personne." in edit
    visit = client.get(
        reverse("beneficiaries:visit_create", args=[person.pk, make_permanence(venue, D(2024, 1, 8)).pk])
    ).content.decode()
    assert "Faits objectifs uniquement, 2 000 caractères au plus : aucune information de santé" in visit


def test_the_admin_history_names_a_file_by_its_reference_and_keeps_no_name(client, admin_user):
    from django.contrib.admin.models import LogEntry

    client.force_login(admin_user)
    response = client.post(
        reverse("admin:beneficiaries_beneficiary_add"),
        {"last_name": "Zyxwvut", "first_name": "Qwertyuiop", "sex": "F", "phone": "06 39 98 12 34"},
    )
    assert response.status_code == 302
    person = Beneficiary.objects.get()
    data = {
        "ref": person.ref,
        "last_name": "Zyxwvut",
        "first_name": "Qwertyuiop",
        "sex": "F",
        "email": "zq@example.org",
    }
    response = client.post(reverse("admin:beneficiaries_beneficiary_change", args=[person.pk]), data)
    assert response.status_code == 302
    assert list(LogEntry.objects.values_list("object_repr", flat=True)) == [person.ref, person.ref]
    beneficiary_anonymise(beneficiary=person, reason="erreur")
    assert identifying_values_left() == []
    second = make_person("Zyxwvut", "Qwertyuiop")
    client.post(reverse("admin:beneficiaries_beneficiary_delete", args=[second.pk]), {"post": "yes"})
    assert not Beneficiary.objects.filter(pk=second.pk).exists()
    assert LogEntry.objects.order_by("pk").last().object_repr == second.ref
    assert identifying_values_left() == []


def test_the_admin_history_written_before_is_rewritten_to_the_references(admin_user):
    """Migration 0026: the entries that named a person keep only the file's reference."""
    import importlib

    from django.apps import apps
    from django.contrib.admin.models import CHANGE, DELETION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    migration = importlib.import_module("beneficiaries.migrations.0026_admin_log_names_files_by_ref")
    kind = ContentType.objects.get_for_model(Beneficiary)
    kept = make_person("Zyxwvut", "Qwertyuiop")
    old = {"user": admin_user, "content_type": kind}
    LogEntry.objects.create(**old, object_id=str(kept.pk), object_repr=str(kept), action_flag=CHANGE)
    LogEntry.objects.create(
        **old, object_id="999999", object_repr="ABCDEF Ghijk (2019-00042)", action_flag=DELETION
    )
    LogEntry.objects.create(**old, object_id="999998", object_repr="Sans référence", action_flag=DELETION)

    migration.name_by_ref(apps, None)

    assert list(LogEntry.objects.order_by("pk").values_list("object_repr", flat=True)) == [
        kept.ref,
        "2019-00042",
        "dossier supprimé",
    ]

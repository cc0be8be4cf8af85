"""Consent to messages, per channel: said at the desk (new person), changed on the
file's edit form or in one click on the file, with when and who; refused without
the channel's address, nothing half-saved; nothing on an anonymised file."""

import uuid

import pytest
from django.urls import reverse

from beneficiaries.consent import consent_record
from beneficiaries.enums import AnonymisationReason, Channel
from beneficiaries.models import Beneficiary
from beneficiaries.services import beneficiary_anonymise
from core.models import FormSubmission

from ..factories import make_person
from .files import page_text
from .test_files import edit_data as file_edit_data

pytestmark = pytest.mark.django_db

NO_PHONE = "Ce dossier n'a pas de numéro de téléphone"
NO_EMAIL = "Ce dossier n'a pas d'adresse de courriel"


def new_person(**extra):
    return {"token": str(uuid.uuid4()), "last_name": "Lefort", "first_name": "Inès", "sex": "F", **extra}


def edit_data(person, **changes):
    """The edit form as opened on `person` (its consent boxes checked as saved), with `changes`;
    a change to None leaves the field out (a box unchecked)."""
    data = file_edit_data(person, email=person.email)
    data.update({f"{c}_consent": "on" for c in Channel.values if getattr(person, f"{c}_consent_at")})
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def test_the_desk_records_both_consents_with_who_and_when(logged, counsellor):
    response = logged.post(
        reverse("beneficiaries:create"),
        new_person(phone="06 11 22 33 44", email="ines@example.org", sms_consent="on", email_consent="on"),
    )
    person = Beneficiary.objects.get()
    assert response.status_code == 302
    assert person.sms_consent_at is not None and person.sms_consent_by == counsellor
    assert person.email_consent_at is not None and person.email_consent_by == counsellor


def test_the_form_says_what_consent_covers_the_messages_of_the_counsellor_included(logged):
    page = logged.get(reverse("beneficiaries:create")).content.decode()
    assert (
        "rappels de ses rendez-vous et ateliers, avis d'annulation et messages de son conseiller ou de sa "
        "conseillère"
    ) in page


def test_a_new_person_without_a_box_checked_has_no_consent(logged):
    logged.post(reverse("beneficiaries:create"), new_person(phone="06 11 22 33 44"))
    person = Beneficiary.objects.get()
    assert person.sms_consent_at is None and person.email_consent_at is None


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"sms_consent": "on", "email": "ines@example.org"}, NO_PHONE),
        ({"email_consent": "on", "phone": "06 11 22 33 44"}, NO_EMAIL),
    ],
)
def test_a_consent_without_its_address_is_refused_and_nothing_is_saved(logged, fields, problem):
    response = logged.post(reverse("beneficiaries:create"), new_person(**fields))
    assert response.status_code == 400
    assert problem in page_text(response)
    assert not Beneficiary.objects.exists() and not FormSubmission.objects.exists()


def test_the_service_refuses_too_and_the_file_is_not_half_created(counsellor):
    from beneficiaries.consent import beneficiary_create_consenting
    from beneficiaries.services import BeneficiaryError

    with pytest.raises(BeneficiaryError, match="numéro de téléphone"):
        beneficiary_create_consenting(
            data={"last_name": "Lefort", "first_name": "Inès", "sex": "F"},
            consents={Channel.SMS: True},
            user=counsellor,
        )
    assert not Beneficiary.objects.exists()


def test_the_edit_form_gives_and_withdraws(logged, counsellor):
    person = make_person(phone="06 11 22 33 44", email="ines@example.org")
    url = reverse("beneficiaries:edit", args=[person.pk])
    assert logged.post(url, edit_data(person, sms_consent="on")).status_code == 302
    person.refresh_from_db()
    assert person.sms_consent_by == counsellor and person.email_consent_at is None
    since = person.sms_consent_at
    # The form shows it checked, with its date; saving again keeps the first date.
    assert "Accord noté le" in page_text(logged.get(url))
    logged.post(url, edit_data(person, last_name="Lefort-Martin"))
    person.refresh_from_db()
    assert person.sms_consent_at == since and person.last_name == "Lefort-Martin"
    # Unchecked: withdrawn.
    logged.post(url, edit_data(person, sms_consent=None))
    person.refresh_from_db()
    assert person.sms_consent_at is None and person.sms_consent_by is None


def test_emptying_the_phone_while_keeping_sms_consent_is_refused_and_nothing_changes(logged):
    person = make_person(phone="06 11 22 33 44")
    consent_record(beneficiary_id=person.pk, channel=Channel.SMS, given=True)
    person.refresh_from_db()
    response = logged.post(reverse("beneficiaries:edit", args=[person.pk]), edit_data(person, phone=""))
    assert response.status_code == 400 and NO_PHONE in page_text(response)
    person.refresh_from_db()
    assert person.phone and person.sms_consent_at is not None


def test_the_service_refuses_an_emptied_address_with_consent_kept(counsellor):
    from beneficiaries.consent import beneficiary_update_consenting
    from beneficiaries.services import BeneficiaryError

    person = make_person(phone="06 11 22 33 44")
    consent_record(beneficiary_id=person.pk, channel=Channel.SMS, given=True)
    person.refresh_from_db()
    data = {"last_name": "Autre", "first_name": person.first_name, "sex": person.sex, "phone": ""}
    with pytest.raises(BeneficiaryError, match="numéro de téléphone"):
        beneficiary_update_consenting(
            beneficiary_id=person.pk,
            expected_version=person.version,
            data=data,
            consents={Channel.SMS: True},
            user=counsellor,
        )
    person.refresh_from_db()
    assert person.last_name != "Autre" and person.phone and person.sms_consent_at is not None


def test_an_edit_form_opened_before_a_withdrawal_does_not_give_consent_back(logged):
    person = make_person(email="ines@example.org")
    consent_record(beneficiary_id=person.pk, channel=Channel.EMAIL, given=True)
    person.refresh_from_db()
    opened = edit_data(person)  # the box checked, as the form showed it
    # Meanwhile, the person withdrew (the link of an e-mail).
    consent_record(beneficiary_id=person.pk, channel=Channel.EMAIL, given=False)
    response = logged.post(reverse("beneficiaries:edit", args=[person.pk]), opened)
    assert response.status_code == 409
    person.refresh_from_db()
    assert person.email_consent_at is None


def test_the_file_shows_each_consent_with_date_and_who(logged, counsellor):
    person = make_person(phone="06 11 22 33 44")
    consent_record(beneficiary_id=person.pk, channel=Channel.SMS, given=True, user=counsellor)
    person.refresh_from_db()
    text = page_text(logged.get(reverse("beneficiaries:detail", args=[person.pk])))
    assert f"Accepte les SMS Oui, depuis le {person.sms_consent_at:%d/%m/%Y} (noté par Alice" in text
    assert "Retirer l'accord pour les SMS" in text
    assert "Accepte les courriels Non (aucune adresse de courriel)" in text


def test_one_click_records_and_withdraws(logged, counsellor):
    person = make_person(phone="06 11 22 33 44")
    url = reverse("beneficiaries:consent", args=[person.pk])
    response = logged.post(url, {"channel": "sms", "given": "on"}, follow=True)
    assert "Accord pour les SMS noté." in page_text(response)
    person.refresh_from_db()
    assert person.sms_consent_by == counsellor
    response = logged.post(url, {"channel": "sms"}, follow=True)
    assert "Accord pour les SMS retiré." in page_text(response)
    person.refresh_from_db()
    assert person.sms_consent_at is None


@pytest.mark.parametrize("data", [{}, {"channel": "fax", "given": "on"}, {"channel": "x" * 500}])
def test_one_click_with_bad_input_says_so_and_changes_nothing(logged, data):
    person = make_person(phone="06 11 22 33 44")
    response = logged.post(reverse("beneficiaries:consent", args=[person.pk]), data, follow=True)
    assert response.status_code == 200 and "Demande incomplète" in page_text(response)
    person.refresh_from_db()
    assert person.sms_consent_at is None and person.version == 1


def test_one_click_without_the_address_is_refused_in_french(logged):
    person = make_person()
    response = logged.post(
        reverse("beneficiaries:consent", args=[person.pk]), {"channel": "email", "given": "on"}, follow=True
    )
    assert NO_EMAIL in page_text(response)
    person.refresh_from_db()
    assert person.email_consent_at is None


def test_one_click_needs_a_post_with_its_csrf_token(counsellor, client):
    from django.test import Client

    person = make_person(phone="06 11 22 33 44")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(counsellor)
    url = reverse("beneficiaries:consent", args=[person.pk])
    assert strict.get(url).status_code == 405
    assert strict.post(url, {"channel": "sms", "given": "on"}).status_code == 403
    person.refresh_from_db()
    assert person.sms_consent_at is None


def test_an_anonymised_file_shows_no_consent_and_refuses_one(client, coordinator):
    person = make_person(phone="06 11 22 33 44")
    consent_record(beneficiary_id=person.pk, channel=Channel.SMS, given=True)
    person.refresh_from_db()
    beneficiary_anonymise(beneficiary=person, reason=AnonymisationReason.ERASURE_REQUEST)
    client.force_login(coordinator)
    text = page_text(client.get(reverse("beneficiaries:detail", args=[person.pk])))
    assert "Accepte les SMS" not in text and "Noter son accord" not in text
    response = client.post(
        reverse("beneficiaries:consent", args=[person.pk]), {"channel": "sms", "given": "on"}
    )
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.sms_consent_at is None


def test_the_notice_says_what_is_sent_and_how_to_stop(logged, settings):
    settings.REMINDER_LEAD_HOURS, settings.SMS_QUIET_HOURS = 24, "20:00-08:00"
    text = page_text(logged.get(reverse("beneficiaries:notice")))
    assert "Seulement si vous l'acceptez, canal par canal (SMS, courriel)" in text
    assert "un rappel dans les 24 heures qui précèdent un rendez-vous de suivi ou un atelier" in text
    assert "Aucun SMS n'est envoyé entre 20:00 et 08:00." in text
    assert "Pour arrêter, à tout moment : dites-le à la permanence" in text
    assert "le lien présent dans chaque courriel" in text
    settings.SMS_QUIET_HOURS = ""
    assert "Aucun SMS" not in page_text(logged.get(reverse("beneficiaries:notice")))


def test_the_register_names_the_messages(client, coordinator):
    client.force_login(coordinator)
    text = page_text(client.get(reverse("beneficiaries:register")))
    assert "des rappels de rendez-vous et d'ateliers, les avis d'annulation" in text
    assert "le consentement de la personne, canal par canal" in text
    assert "le prestataire d'envoi des SMS et des courriels" in text
    assert "Messages : leur texte est effacé à l'anonymisation du dossier" in text

"""Every page a person uses (Django admin excluded), at phone, tablet and desktop
widths: screenshots, no CSP or script error, one main landmark and one h1,
keyboard use with a visible focus, and no axe-core violation of impact serious
or critical (see a11y.py and the `check_page` fixture).

A new page is covered by one line in PAGES: (url name, kwargs, role). kwargs
may be a function of the `site` fixture's data, for a page about one object,
e.g. ("beneficiaries:detail", lambda site: {"pk": site.people[0].pk}, "counsellor").
role is a user fixture of tests/conftest.py, or None for an anonymous visitor.
"""

import re
import uuid

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.consent import consent_record
from beneficiaries.enums import ImportAction
from beneficiaries.models import Beneficiary, ImportJob
from messaging.enums import Channel, Kind, Status
from messaging.models import Message, MessageTemplate
from messaging.withdrawal import withdrawal_token

from ..factories import PASSWORD
from .conftest import browser

pytestmark = [pytest.mark.browser, browser]


def queued_preview(site) -> dict:
    """The progress page of a preview waiting for the task worker (the coordinator's)."""
    bob = get_user_model().objects.get(username="bob")
    job = ImportJob.objects.create(user=bob, upload_key=uuid.uuid4(), action=ImportAction.PREVIEW)
    return {"pk": job.pk}


def with_texts(site) -> dict:
    """The texts of an SMS and an e-mail reminder (the migrations' rows are gone in a live
    server's test); the SMS one's address."""
    sms, _ = MessageTemplate.objects.get_or_create(
        kind=Kind.APPOINTMENT_REMINDER,
        channel=Channel.SMS,
        defaults={"body": "Bonjour {prenom}, rappel de votre rendez-vous le {date} à {heure}, {lieu}."},
    )
    MessageTemplate.objects.get_or_create(
        kind=Kind.APPOINTMENT_REMINDER,
        channel=Channel.EMAIL,
        defaults={"subject": "Rappel : le {date}", "body": "Bonjour {prenom},\n\nÀ {heure}, {lieu}."},
    )
    return {"pk": sms.pk}


def with_messages(site) -> dict:
    """Élodie accepts SMS, and was sent a reminder and a counsellor's e-mail (one failed)."""
    person = site.people[0]
    Beneficiary.objects.filter(pk=person.pk).update(phone="06 12 34 56 78", email="elodie@example.org")
    for channel in (Channel.SMS, Channel.EMAIL):
        consent_record(beneficiary_id=person.pk, channel=channel, given=True)
    Message.objects.create(
        beneficiary=person,
        channel=Channel.SMS,
        kind=Kind.APPOINTMENT_REMINDER,
        status=Status.SENT,
        sent_at=timezone.now(),
        body="Bonjour Élodie, rappel : rendez-vous demain à 14h30 au Centre social Espéranto.",
    )
    Message.objects.create(
        beneficiary=person,
        channel=Channel.EMAIL,
        kind=Kind.ONE_OFF,
        status=Status.FAILED,
        subject="Votre rendez-vous",
        body="Bonjour Élodie, pensez à apporter votre CV.",
        last_error="Adresse refusée par le serveur",
    )
    return {"pk": person.pk}


PAGES = [
    ("login", {}, None),
    ("public:schedule", {}, None),
    ("public:schedule", {}, "counsellor"),
    ("messaging:withdraw", lambda site: {"token": withdrawal_token(site.people[0].pk)}, None),
    ("home", {}, "outsider"),  # the page of an account without a role
    ("permanences:today", {}, "counsellor"),
    ("permanences:cancel", lambda site: {"pk": site.session.pk}, "counsellor"),
    ("permanences:upcoming", {}, "counsellor"),
    ("permanences:planning", {}, "coordinator"),
    ("permanences:planning_add", {}, "coordinator"),
    ("permanences:planning_edit", lambda site: {"pk": site.session.pk}, "coordinator"),
    ("permanences:planning_cancel", lambda site: {"pk": site.session.pk}, "coordinator"),
    ("beneficiaries:desk", lambda site: {"pk": site.session.pk}, "counsellor"),
    ("beneficiaries:search", {}, "counsellor"),
    ("beneficiaries:create", {}, "counsellor"),
    ("beneficiaries:detail", lambda site: {"pk": site.people[0].pk}, "counsellor"),
    ("beneficiaries:detail", with_messages, "coordinator"),  # consents and messages
    ("beneficiaries:edit", lambda site: {"pk": site.people[0].pk}, "counsellor"),
    (
        "beneficiaries:visit_create",
        lambda site: {"pk": site.people[0].pk, "permanence_pk": site.session.pk},
        "counsellor",
    ),
    ("beneficiaries:outcome_create", lambda site: {"pk": site.people[0].pk}, "counsellor"),
    ("beneficiaries:referral_create", lambda site: {"pk": site.people[0].pk}, "counsellor"),
    # Corrections of last year's rows: coordination's (a counsellor's window is over).
    ("beneficiaries:visit_edit", lambda site: {"pk": site.visit.pk}, "coordinator"),
    ("beneficiaries:visit_delete", lambda site: {"pk": site.visit.pk}, "coordinator"),
    ("beneficiaries:referral_edit", lambda site: {"pk": site.referral.pk}, "coordinator"),
    ("beneficiaries:referral_delete", lambda site: {"pk": site.referral.pk}, "coordinator"),
    ("beneficiaries:appointment_create", lambda site: {"pk": site.people[0].pk}, "counsellor"),
    (
        "beneficiaries:outcome_edit",
        lambda site: {"pk": site.people[0].pk, "outcome_pk": site.outcome.pk},
        "coordinator",
    ),
    (
        "beneficiaries:outcome_delete",
        lambda site: {"pk": site.people[0].pk, "outcome_pk": site.outcome.pk},
        "coordinator",
    ),
    ("beneficiaries:followups", {}, "counsellor"),
    ("beneficiaries:caseload", {}, "counsellor"),
    ("beneficiaries:caseloads", {}, "coordinator"),
    ("beneficiaries:reassign", lambda site: {"pk": site.people[0].referent_id}, "coordinator"),
    ("beneficiaries:workshops", {}, "counsellor"),
    ("beneficiaries:workshop_create", {}, "counsellor"),
    ("beneficiaries:workshop", lambda site: {"pk": site.workshop.pk}, "counsellor"),
    ("beneficiaries:workshop_edit", lambda site: {"pk": site.workshop.pk}, "coordinator"),
    ("beneficiaries:list", {}, "coordinator"),
    ("beneficiaries:visits", {}, "counsellor"),
    ("beneficiaries:notice", {}, "counsellor"),
    ("beneficiaries:trail", lambda site: {"pk": site.people[0].pk}, "coordinator"),
    ("beneficiaries:anonymise", lambda site: {"pk": site.people[0].pk}, "coordinator"),
    ("beneficiaries:register", {}, "coordinator"),
    ("beneficiaries:data", {}, "coordinator"),
    ("beneficiaries:import", {}, "coordinator"),
    ("beneficiaries:import_job", queued_preview, "coordinator"),
    ("beneficiaries:duplicates", {}, "coordinator"),
    (
        "beneficiaries:merge",
        lambda site: {"pk": site.people[0].pk, "other_pk": site.people[1].pk},
        "coordinator",
    ),
    ("messaging:compose", with_messages, "counsellor"),
    ("messaging:list", lambda site: with_messages(site) and {}, "coordinator"),
    ("messaging:texts", lambda site: with_texts(site) and {}, "coordinator"),
    ("messaging:text_edit", with_texts, "coordinator"),
    ("mfa_index", {}, "coordinator"),
    ("reporting:dashboard", {}, "coordinator"),
    ("reporting:dashboard", {}, "city"),
    ("reporting:quality", {}, "coordinator"),
    ("reporting:publish", {}, "coordinator"),
]

# Error pages, reached through a page: (url name, kwargs, role, status).
ERROR_PAGES = [
    ("public:venue_poster", {"venue_pk": 999999}, None, 404),
    ("reporting:dashboard", {}, "counsellor", 403),
]

USERNAMES = {"counsellor": "alice", "coordinator": "bob", "city": "charlie", "outsider": "eve"}


def page_id(url_name, role):
    return f"{url_name.replace(':', '-')}-{role or 'anonymous'}"


def resolve(request, url_name, kwargs, role):
    if role is not None:
        request.getfixturevalue(role)
    site = request.getfixturevalue("site")
    return reverse(url_name, kwargs=kwargs(site) if callable(kwargs) else kwargs)


@pytest.mark.parametrize(
    ("url_name", "kwargs", "role"), PAGES, ids=[page_id(name, role) for name, _, role in PAGES]
)
def test_page_is_accessible_at_phone_tablet_and_desktop_widths(request, check_page, url_name, kwargs, role):
    path = resolve(request, url_name, kwargs, role)
    check_page(path, page_id(url_name, role), username=USERNAMES.get(role))


@pytest.mark.parametrize(
    ("url_name", "kwargs", "role", "status"),
    ERROR_PAGES,
    ids=[f"{status}-{page_id(name, role)}" for name, _, role, status in ERROR_PAGES],
)
def test_error_page_is_accessible(request, check_page, url_name, kwargs, role, status):
    path = resolve(request, url_name, kwargs, role)
    check_page(path, f"{status}-{page_id(url_name, role)}", username=USERNAMES.get(role), status=status)


def test_the_edit_conflict_page_is_accessible(check_page, page, live_server, site, counsellor):
    """Reached by saving a file someone else saved meanwhile (a POST, not an address)."""
    person = site.people[0]
    check_page(
        reverse("beneficiaries:edit", args=[person.pk]), "beneficiaries-edit-counsellor", username="alice"
    )
    Beneficiary.objects.filter(pk=person.pk).update(phone="06 12 34 56 78", version=F("version") + 1)
    page.get_by_label("Prénom").fill("Élodie-Marie")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("modifié")
    check_page.loaded("beneficiaries-edit-conflict-counsellor", replay=True, status=409)


def test_the_two_factor_code_page_is_accessible(check_page, page, live_server, site, coordinator):
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Nom d’utilisateur").fill("bob")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile("/2fa/authenticate/"))
    check_page.loaded("mfa-authenticate-coordinator")


def test_the_two_factor_set_up_page_is_accessible(check_page, page, live_server, site, coordinator):
    Authenticator.objects.filter(user=coordinator).delete()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Nom d’utilisateur").fill("bob")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{live_server.url}{reverse('beneficiaries:list')}")
    page.wait_for_url(re.compile("/2fa/totp/activate/"))
    check_page.loaded("mfa-activate-totp-coordinator")


def test_the_reassign_confirmation_is_accessible(
    check_page, page, live_server, site, coordinator, other_counsellor
):
    """Reached by choosing where a caseload goes (a POST, not an address)."""
    counsellor_pk = site.people[0].referent_id
    check_page(
        reverse("beneficiaries:reassign", args=[counsellor_pk]),
        "beneficiaries-reassign-coordinator",
        username="bob",
    )
    page.get_by_label("Confier à").select_option(label="Dora")
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("button", name="Confirmer : confier 1 dossier")).to_be_visible()
    check_page.loaded("beneficiaries-reassign-confirm-coordinator", replay=True)


def test_the_message_preview_is_accessible(check_page, page, live_server, site, counsellor):
    """Reached by asking for the preview of a one-off message (a POST, not an address);
    the SMS size is counted as one types."""
    person = with_messages(site)
    check_page(
        reverse("messaging:compose", args=[person["pk"]]), "messaging-compose-counsellor", username="alice"
    )
    page.get_by_label("SMS").check()
    page.get_by_label("Message", exact=True).fill("Votre attestation est disponible : venez mardi.")
    # Counted as typed (the same rule as the server's), then exactly at the preview.
    expect(page.locator("#compteur")).to_contain_text("47 caractères, GSM-7, 1 SMS")
    page.get_by_label("Message", exact=True).fill("Ô" * 71)
    expect(page.locator("#compteur")).to_contain_text("71 caractères, UCS-2, 2 SMS")
    page.get_by_label("Message", exact=True).fill("Votre attestation est disponible : venez mardi.")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.get_by_role("heading", name="Aperçu : le message tel qu'il partira")).to_be_visible()
    expect(page.locator("#taille-sms")).to_contain_text("GSM-7, 1 SMS")
    check_page.loaded("messaging-compose-preview-counsellor", replay=True)


def test_the_preview_of_a_text_is_accessible(check_page, page, live_server, site, coordinator):
    """Reached by asking for the preview of a message's text (a POST, not an address):
    the text written on fictitious values, with its size as an SMS."""
    text = with_texts(site)
    check_page(
        reverse("messaging:text_edit", args=[text["pk"]]), "messaging-text_edit-coordinator", username="bob"
    )
    page.locator("#id_body").fill("Bonjour {prenom}, RDV le {date} à {heure}.")
    page.get_by_role("button", name="Aperçu").click()
    expect(page.get_by_role("heading", name="Aperçu, avec des valeurs fictives")).to_be_visible()
    expect(page.locator("#taille-sms")).to_contain_text("47 caractères, GSM-7, 1 SMS")
    check_page.loaded("messaging-text_edit-preview-coordinator", replay=True)

"""Hostile input on every form of corrections and of referrals outside a visit:
impossible or badly written dates, digits other than 0-9 ("²", "١٢"), no reason,
unknown codes, over-long text, a NUL character. Each gets a French message with
status 400, never a 500, and nothing is saved — not even the reason."""

import html
import uuid

import pytest
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.enums import ReferralStatus

from .corrections import ACTIONS, DAY, DELETES, make_file, snapshot, url, valid_form

pytestmark = pytest.mark.django_db

DIGITS = "Saisissez un nombre entier, avec les chiffres 0 à 9."
BAD_DATE = "Date invalide : saisissez-la sous la forme jj/mm/aaaa."
TOO_LONG = "comporte au plus 255 caractères"

# Sent to every correction page, edit or deletion.
EVERY_CORRECTION = [
    ({"version": "²"}, DIGITS),
    ({"version": "١٢"}, DIGITS),
    ({"version": ""}, "La version lue manque : rouvrez la page, puis recommencez."),
    ({"version": "0"}, "Version inconnue"),
    ({"reason": "parce que"}, "Motif inconnu : choisissez dans la liste."),
]
BY_ACTION = {
    "visit_edit": [
        ({"reason": ""}, "Choisissez le motif de la correction."),
        ({"duration_minutes": "²"}, DIGITS),
        ({"duration_minutes": "٣٠"}, DIGITS),
        ({"duration_minutes": "601"}, "La durée ne peut pas dépasser 600 minutes."),
        ({"notes": "x" * 2001}, "comporte au plus 2000 caractères"),
        ({"notes": "Rappel\x00"}, "Le caractère nul n’est pas autorisé."),
        ({"next_step": "x" * 256}, TOO_LONG),
        ({"next_step": "Appeler", "next_step_due": "31/02/2026"}, BAD_DATE),
        ({"next_step": "Appeler", "next_step_due": "²/01/2026"}, BAD_DATE),
        ({"next_step": "Appeler", "next_step_due": "٠٤/٠٣/٢٠٢٦"}, BAD_DATE),
        ({"next_step_due": "{soon}"}, "Décrivez la prochaine étape avant de lui donner une échéance."),
        ({"permanence": "²"}, "Permanence inconnue : choisissez dans la liste."),
        ({"permanence": "١"}, "Permanence inconnue : choisissez dans la liste."),
        ({"permanence": "999999"}, "Permanence inconnue : choisissez dans la liste."),
        ({"permanence": ""}, "Choisissez la permanence du rendez-vous."),
        ({"topics": "²"}, "Thème inconnu."),
        ({"topics": "١"}, "Thème inconnu."),
    ],
    "referral_edit": [
        ({"reason": ""}, "Choisissez le motif de la correction."),
        ({"partner": ""}, "Choisissez le partenaire."),
        ({"partner": "pole_emploi"}, "Partenaire inconnu : choisissez dans la liste."),
        ({"detail": "x" * 256}, TOO_LONG),
        ({"status": "peut-être"}, "Suite inconnue : choisissez dans la liste."),
        ({"status": ReferralStatus.DONE}, "Indiquez la date à laquelle la suite a été vérifiée."),
        ({"status": ReferralStatus.DONE, "checked_on": "31/02/2026"}, BAD_DATE),
        ({"status": ReferralStatus.DONE, "checked_on": "¹²/01/2026"}, BAD_DATE),
        ({"status": ReferralStatus.DONE, "checked_on": "{soon}"}, "ne peut pas être vérifiée dans le futur"),
        ({"status": ReferralStatus.DONE, "checked_on": "{long_ago}"}, "avant la proposition"),
    ],
    "outcome_edit": [
        ({"reason": ""}, "Choisissez le motif de la correction."),
        ({"kind": "stage"}, "Type de sortie inconnu : choisissez dans la liste."),
        ({"start_date": "31/02/2026"}, BAD_DATE),
        ({"start_date": "١٢/٠٣/٢٠٢٠"}, BAD_DATE),
        ({"start_date": ""}, "Ce champ est obligatoire."),
        ({"start_date": "31/12/1989"}, "invraisemblable (31/12/1989) : avant 1990"),
        ({"end_date": "{long_ago}"}, "égale ou postérieure"),
        ({"working_time": "mi-temps"}, "Sélectionnez un choix valide"),
        ({"employer": "x" * 256}, TOO_LONG),
    ],
    **{action: [({"reason": ""}, "Choisissez le motif de la suppression.")] for action in DELETES},
}
CASES = [
    (action, changes, message)
    for action in ACTIONS
    for changes, message in [*EVERY_CORRECTION, *BY_ACTION[action]]
]


@pytest.fixture
def file(venue, today, counsellor):
    return make_file(venue, today, counsellor)


def dated(changes: dict, today) -> dict:
    days = {"{soon}": today + 10 * DAY, "{long_ago}": today - 400 * DAY}
    return {name: f"{days[value]:%d/%m/%Y}" if value in days else value for name, value in changes.items()}


def assert_refused(response, message: str) -> None:
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


@pytest.mark.parametrize(
    ("action", "changes", "message"),
    CASES,
    ids=[f"{a}-{'-'.join(c)}-{i}" for i, (a, c, _) in enumerate(CASES)],
)
def test_a_bad_correction_is_refused_in_french_and_saves_nothing(
    client, counsellor, file, today, action, changes, message
):
    client.force_login(counsellor)
    before = snapshot(file.person)
    assert_refused(client.post(url(file, action), valid_form(file, action, **dated(changes, today))), message)
    assert snapshot(file.person) == before
    assert not AuditEntry.objects.filter(action=AuditAction.CORRECTION).exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_an_empty_correction_is_refused(client, counsellor, file, action):
    client.force_login(counsellor)
    before = snapshot(file.person)
    assert client.post(url(file, action), {}).status_code == 400
    assert snapshot(file.person) == before


REFERRAL_CASES = [
    ({"proposed_on": "31/02/2026"}, BAD_DATE),
    ({"proposed_on": "²/02/2026"}, BAD_DATE),
    ({"proposed_on": "٠٤/٠٣/٢٠٢٦"}, BAD_DATE),
    ({"proposed_on": "demain"}, BAD_DATE),
    ({"proposed_on": ""}, "Indiquez le jour où l'orientation a été proposée."),
    ({"proposed_on": "{soon}"}, "Une orientation ne peut pas être datée dans le futur."),
    ({"proposed_on": "01/01/1980"}, "Date de proposition invraisemblable (01/01/1980) : avant 1990."),
    ({"channel": ""}, "Indiquez comment l'orientation a été proposée."),
    ({"channel": "pigeon"}, "Canal inconnu : choisissez dans la liste."),
    ({"partner": ""}, "Choisissez le partenaire."),
    ({"partner": "pole_emploi"}, "Partenaire inconnu : choisissez dans la liste."),
    ({"detail": "x" * 256}, TOO_LONG),
    ({"detail": "Agence\x00"}, "Le caractère nul n’est pas autorisé."),
    ({"token": ""}, "Formulaire expiré : rechargez la page."),
    ({"token": "²"}, "Formulaire expiré : rechargez la page."),
]


@pytest.mark.parametrize(
    ("changes", "message"), REFERRAL_CASES, ids=[str(i) for i in range(len(REFERRAL_CASES))]
)
def test_a_bad_referral_outside_a_visit_is_refused_in_french_and_saves_nothing(
    client, counsellor, file, today, changes, message
):
    data = {
        "token": str(uuid.uuid4()),
        "channel": "telephone",
        "proposed_on": f"{today:%d/%m/%Y}",
        "partner": "plie",
        "detail": "",
    }
    client.force_login(counsellor)
    before = snapshot(file.person)
    address = reverse("beneficiaries:referral_create", args=[file.person.pk])
    assert_refused(client.post(address, data | dated(changes, today)), message)
    assert snapshot(file.person) == before
    assert client.post(address, {}).status_code == 400
    assert snapshot(file.person) == before

"""Referrals made outside a visit — by phone, by e-mail or otherwise — recorded
from the file with their day, shown on it, counted in the bilan, corrected like
the others; a visit's referrals have no channel of their own."""

import io
import uuid

import pytest
from django.db import IntegrityError
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.enums import CorrectionReason, Partner, ReferralChannel, ReferralStatus
from beneficiaries.models import Referral
from reporting.bilan import compute_bilan

from .corrections import DAY, make_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def file(venue, today, counsellor):
    return make_file(venue, today, counsellor)


def create_url(file) -> str:
    return reverse("beneficiaries:referral_create", args=[file.person.pk])


def referral_data(today, **changes) -> dict:
    return {
        "token": str(uuid.uuid4()),
        "channel": ReferralChannel.EMAIL,
        "proposed_on": f"{today - 3 * DAY:%d/%m/%Y}",
        "partner": Partner.FRANCE_TRAVAIL,
        "detail": "Agence de Montreuil",
        **changes,
    }


def test_the_form_proposes_today_and_asks_how(client, counsellor, file, today):
    client.force_login(counsellor)
    html = client.get(create_url(file)).content.decode()
    assert f'value="{today:%d/%m/%Y}"' in html
    for label in ("Par téléphone", "Par courriel", "Autrement (courrier, rencontre hors permanence…)"):
        assert label in html


def test_a_referral_by_email_is_recorded_with_its_day_and_shown_on_the_file(client, counsellor, file, today):
    client.force_login(counsellor)
    response = client.post(create_url(file), referral_data(today))
    assert response.status_code == 302
    assert response.url == reverse("beneficiaries:detail", args=[file.person.pk])
    referral = Referral.objects.get(partner=Partner.FRANCE_TRAVAIL)
    assert (referral.visit, referral.channel, referral.proposed_on, referral.status) == (
        None,
        ReferralChannel.EMAIL,
        today - 3 * DAY,
        ReferralStatus.PROPOSED,
    )
    assert (referral.created_by, referral.version) == (counsellor, 1)
    html = client.get(response.url).content.decode()
    assert f"Proposée le {today - 3 * DAY:%d/%m/%Y} (par courriel)" in html
    assert f"Proposée le {today - 2 * DAY:%d/%m/%Y} (par téléphone)" in html  # the file's own


def test_a_form_sent_twice_records_one_referral(client, counsellor, file, today):
    client.force_login(counsellor)
    data = referral_data(today)
    assert client.post(create_url(file), data).status_code == 302
    assert client.post(create_url(file), data).status_code == 302
    assert Referral.objects.filter(partner=Partner.FRANCE_TRAVAIL).count() == 1


def test_the_bilan_counts_it_in_the_year_it_was_proposed(client, counsellor, file, today):
    day = today.replace(month=1, day=1)
    before = next(row for row in compute_bilan(day.year).referrals if row.partner == Partner.FRANCE_TRAVAIL)
    client.force_login(counsellor)
    client.post(create_url(file), referral_data(today, proposed_on=f"{day:%d/%m/%Y}"))
    after = next(row for row in compute_bilan(day.year).referrals if row.partner == Partner.FRANCE_TRAVAIL)
    assert (after.total, after.proposed) == (before.total + 1, before.proposed + 1)


def test_a_venues_bilan_counts_only_the_referrals_made_during_its_visits(file, venue):
    Referral.objects.filter(pk=file.phoned.pk).update(proposed_on=file.visit.date)  # one year

    def to(partner, **scope):
        rows = compute_bilan(file.visit.date.year, **scope).referrals
        return next(row.total for row in rows if row.partner == partner)

    assert (to(Partner.CAP_EMPLOI), to(Partner.PLIE)) == (1, 1)
    assert (to(Partner.CAP_EMPLOI, venue=venue), to(Partner.PLIE, venue=venue)) == (0, 1)


def test_its_channel_day_and_result_are_corrected(client, counsellor, file, today):
    client.force_login(counsellor)
    edit = reverse("beneficiaries:referral_edit", args=[file.phoned.pk])
    html = client.get(edit).content.decode()
    assert "Proposée le" in html and "Par courriel" in html
    data = {
        "version": file.phoned.version,
        "reason": CorrectionReason.TYPING_ERROR,
        "channel": ReferralChannel.EMAIL,
        "proposed_on": f"{today - 5 * DAY:%d/%m/%Y}",
        "partner": Partner.CAP_EMPLOI,
        "detail": "",
        "status": ReferralStatus.DONE,
        "checked_on": f"{today:%d/%m/%Y}",
    }
    assert client.post(edit, data).status_code == 302
    phoned = Referral.objects.get(pk=file.phoned.pk)
    assert (phoned.channel, phoned.proposed_on, phoned.status, phoned.checked_on) == (
        ReferralChannel.EMAIL,
        today - 5 * DAY,
        ReferralStatus.DONE,
        today,
    )


def test_a_visits_referral_keeps_its_visits_day_and_no_channel(client, counsellor, file, today):
    client.force_login(counsellor)
    edit = reverse("beneficiaries:referral_edit", args=[file.referral.pk])
    html = client.get(edit).content.decode()
    assert "Par téléphone" not in html and 'name="proposed_on"' not in html
    data = {
        "version": file.referral.version,
        "reason": CorrectionReason.TYPING_ERROR,
        "channel": ReferralChannel.PHONE,
        "proposed_on": f"{today:%d/%m/%Y}",
        "partner": Partner.SIAE,
        "detail": "",
        "status": ReferralStatus.PROPOSED,
        "checked_on": "",
    }
    assert client.post(edit, data).status_code == 302
    referral = Referral.objects.get(pk=file.referral.pk)
    assert (referral.partner, referral.channel, referral.proposed_on) == (Partner.SIAE, "", file.visit.date)


def test_the_database_refuses_a_channel_on_a_visits_referral(file):
    with pytest.raises(IntegrityError):
        Referral.objects.filter(pk=file.referral.pk).update(channel=ReferralChannel.PHONE)


def test_the_access_document_says_how_it_was_proposed(client, coordinator, file):
    client.force_login(coordinator)
    response = client.get(reverse("beneficiaries:access_document", args=[file.person.pk]))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "(par téléphone)" in text

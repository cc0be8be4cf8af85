"""Reminders end to end, in Chromium through the real pages (screenshots in
test-artefacts/messages-*.png): at the desk a counsellor creates a person with her
phone number and her consent to SMS, logs the visit and books a follow-up for
tomorrow; the queuing command (`queue_messages`) and the task worker
(`db_worker`, the database queue) run, the SMS goes to the file backend; and
coordination finds the reminder, with its text, on the messages page."""

import datetime
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from beneficiaries.models import Appointment, Beneficiary
from messaging.enums import Channel, Kind, Status
from messaging.models import Message
from permanences.enums import PermanenceStatus

from ..factories import PASSWORD, make_permanence
from .conftest import browser

pytestmark = [pytest.mark.browser, browser]


@pytest.fixture
def sms_file(settings, tmp_path):
    """SMS to a file; tasks in the database queue, run by the worker; reminders for the
    coming 48 hours (tomorrow's appointment, whatever the hour); no quiet hours."""
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms.jsonl"
    settings.SMS_QUIET_HOURS = ""
    settings.REMINDER_LEAD_HOURS = 48
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return settings.SMS_FILE_PATH


def test_consent_at_the_desk_then_the_reminder_is_sent_and_listed(
    login, page, live_server, site, counsellor, coordinator, artefacts, sms_file
):
    shot = iter(range(1, 100))

    def screenshot(name):
        page.screenshot(path=artefacts / f"messages-{next(shot):02d}-{name}.png", full_page=True)

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    follow_up = make_permanence(site.venues[0], tomorrow, status=PermanenceStatus.PLANNED)

    # --- At the desk: a new person, her phone and her consent to SMS ---------------
    login("alice", PASSWORD)
    page.goto(live_server.url + reverse("beneficiaries:desk", args=[site.session.pk]))
    page.get_by_role("link", name="Nouvelle personne").click()
    page.locator("#id_last_name").fill("Lefort")
    page.locator("#id_first_name").fill("Inès")
    page.get_by_label("Femme").check()
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_label("Accepte les SMS").check()
    screenshot("accord-a-l-accueil")
    page.get_by_role("button", name="Créer le dossier").click()

    # --- The visit, and a follow-up tomorrow ----------------------------------------
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rendez-vous de")
    page.get_by_label("CV, lettre de motivation").check()
    page.locator("#id_suivi-permanence").select_option(str(follow_up.pk))
    page.get_by_label("Heure").fill("10:00")
    page.get_by_role("button", name="Enregistrer le rendez-vous").click()
    expect(page.get_by_role("status").first).to_contain_text("enregistré")
    person = Beneficiary.objects.get(last_name="Lefort")
    assert person.sms_consent_by == counsellor and person.sms_consent_at is not None
    assert Appointment.objects.get(beneficiary=person).permanence == follow_up

    page.goto(live_server.url + reverse("beneficiaries:detail", args=[person.pk]))
    consent = page.locator("#accord-sms")
    expect(consent).to_contain_text(f"Oui, depuis le {timezone.localdate():%d/%m/%Y}")
    expect(consent).to_contain_text("noté par")
    expect(page.locator("#accord-email")).to_contain_text("aucune adresse de courriel")
    screenshot("dossier-accord")
    page.get_by_role("button", name="Se déconnecter").click()

    # --- The queuing command (cron, every 15 minutes), then the worker ---------------
    out = io.StringIO()
    call_command("queue_messages", stdout=out)
    assert out.getvalue().startswith("1 rappel(s) mis en file")
    reminder = Message.objects.get(beneficiary=person)
    assert (reminder.kind, reminder.channel, reminder.status) == (
        Kind.APPOINTMENT_REMINDER,
        Channel.SMS,
        Status.QUEUED,
    )
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    reminder.refresh_from_db()
    assert reminder.status == Status.SENT and reminder.sent_at is not None
    sent = [json.loads(line) for line in sms_file.read_text().splitlines()]
    assert len(sent) == 1 and sent[0]["text"] == reminder.body
    assert "Bonjour Inès" in reminder.body and "10h00" in reminder.body
    # Run again: nothing is queued or sent twice.
    call_command("queue_messages", stdout=io.StringIO())
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=io.StringIO())
    assert Message.objects.filter(beneficiary=person).count() == 1
    assert len(sms_file.read_text().splitlines()) == 1

    # --- Coordination: the messages page ----------------------------------------------
    login("bob", PASSWORD)
    page.goto(live_server.url + reverse("messaging:list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Messages aux personnes")
    row = page.get_by_role("row").filter(has_text="LEFORT Inès")
    expect(row).to_contain_text("Rappel de rendez-vous de suivi")
    expect(row).to_contain_text("Envoyé")
    expect(row).to_contain_text(reminder.body.split(",")[0])
    expect(row.get_by_text(re.compile(r"rappel de votre rendez-vous"))).to_be_visible()
    screenshot("page-des-messages")
    page.locator("#id_status").select_option("sent")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text("1 message.")).to_be_visible()
    row.get_by_role("link", name="LEFORT Inès").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("LEFORT Inès")
    expect(page.get_by_text(reminder.body.splitlines()[0])).to_be_visible()
    screenshot("parcours-du-dossier")

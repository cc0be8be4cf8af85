"""A counsellor's week, in Chromium through the real pages (screenshots in
test-artefacts/week-*.png): coordination plans the coming weeks and cancels a
session with a public reason; a counsellor books a follow-up at the end of a
visit, corrects the visit's topic, records a referral made by phone; on the day,
the desk lists the expected person first and logging the visit honours the
appointment; a workshop with two registered persons and a walk-in; the caseload;
and the file's timeline tells all of it in order."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from beneficiaries.enums import AppointmentState, AttendanceMark
from beneficiaries.models import Appointment, Referral, Visit, Workshop, WorkshopRegistration
from permanences.enums import PermanenceStatus
from permanences.models import Permanence

from ..factories import PASSWORD
from .conftest import browser

pytestmark = [pytest.mark.browser, browser]

REASON = "Fermeture exceptionnelle du centre social"


def test_a_week_of_a_counsellor(login, page, live_server, site, counsellor, coordinator, artefacts):
    shot = iter(range(1, 100))
    today = timezone.localdate()

    def screenshot(name):
        page.screenshot(path=artefacts / f"week-{next(shot):02d}-{name}.png", full_page=True)

    def go(url_name, *args, **query):
        suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
        page.goto(live_server.url + reverse(url_name, args=args) + suffix)

    grand_air, person = site.venues[0], site.people[0]

    # --- Monday: coordination plans the coming weeks and cancels a session ---------
    login("bob", PASSWORD)
    go("permanences:planning")
    page.get_by_role("button", name="Planifier depuis les créneaux").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Planning des permanences")
    coming = (
        Permanence.objects.filter(venue=grand_air, status=PermanenceStatus.PLANNED, date__gt=today)
        .exclude(slot=None)
        .order_by("date", "start_time")
    )
    assert coming.count() >= 7  # the slots' sessions of the coming weeks
    to_cancel = coming.filter(date__gt=today + datetime.timedelta(days=7)).first()
    go("permanences:planning", semaine=to_cancel.date.isoformat())
    screenshot("planning")
    page.get_by_role("link", name=re.compile(f"Annuler la permanence de {grand_air.name}")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuler la permanence")
    cancelled = Permanence.objects.get(pk=int(re.search(r"/planning/(\d+)/annuler/", page.url)[1]))
    page.get_by_label("Motif de l'annulation").fill(REASON)
    page.get_by_role("button", name="Annuler la permanence").click()
    expect(page.get_by_text(REASON).first).to_be_visible()
    cancelled.refresh_from_db()
    assert cancelled.status == PermanenceStatus.CANCELLED and cancelled.cancel_reason == REASON
    go("public:schedule")
    expect(page.get_by_text(REASON).first).to_be_visible()
    screenshot("page-publique")
    feed = page.request.get(live_server.url + reverse("public:venue_feed", args=[grand_air.pk])).text()
    assert REASON in feed.replace("\r\n ", "")
    page.get_by_role("button", name="Se déconnecter").click()

    # --- Tuesday: a visit, a follow-up booked, a correction, a phone referral -------
    login("alice", PASSWORD)
    go("beneficiaries:visit_create", person.pk, site.session.pk)
    page.get_by_label("CV, lettre de motivation").check()
    page.get_by_label("Notes").fill("Deux offres repérées.")
    follow_up = coming.exclude(pk=cancelled.pk).first()
    page.locator("#id_suivi-permanence").select_option(str(follow_up.pk))
    page.get_by_label("Heure").fill(follow_up.start_time.replace(minute=30).strftime("%H:%M"))
    page.get_by_label("Objet").fill("Point sur les candidatures")
    screenshot("rendez-vous-et-suivi")
    page.get_by_role("button", name="Enregistrer le rendez-vous").click()
    expect(page.get_by_role("status").first).to_contain_text("enregistré")
    visit = Visit.objects.get(beneficiary=person, permanence=site.session)
    appointment = Appointment.objects.get(beneficiary=person, permanence=follow_up)

    go("beneficiaries:visit_edit", visit.pk)
    page.get_by_label("CV, lettre de motivation").uncheck()
    page.get_by_label("Formation").first.check()
    screenshot("correction-form")
    page.get_by_role("radio", name=re.compile("Erreur de saisie")).check()
    screenshot("correction")
    page.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert [t.code for t in Visit.objects.get(pk=visit.pk).topics.all()] != ["cv"]

    go("beneficiaries:referral_create", person.pk)
    page.get_by_label("Partenaire").select_option("plie")
    page.get_by_label("Par téléphone").check()
    page.get_by_label("Proposée le").fill(today.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Enregistrer l'orientation").click()
    expect(page.get_by_role("status").first).to_be_visible()
    assert Referral.objects.filter(beneficiary=person, visit=None, channel="telephone").exists()

    # --- The day of the follow-up (the session brought to today) -------------------
    Permanence.objects.filter(pk=follow_up.pk).update(
        date=today, start_time=datetime.time(0, 0), end_time=datetime.time(23, 59)
    )
    go("beneficiaries:desk", follow_up.pk)
    text = page.locator("main").inner_text()
    assert text.index("Personnes attendues (1)") < text.index("Trouver ou créer le dossier")
    screenshot("accueil-personnes-attendues")
    page.get_by_role("link", name=re.compile("Noter son rendez-vous")).click()
    page.get_by_label("Notes").fill("Venue comme prévu.")
    page.get_by_role("button", name="Enregistrer le rendez-vous").click()
    expect(page.get_by_role("status").first).to_contain_text("enregistré")
    assert Appointment.objects.with_state().get(pk=appointment.pk).state == AppointmentState.HONOURED

    # --- Thursday: a workshop, two persons registered from their files, a walk-in ----
    go("beneficiaries:workshop_create")
    page.get_by_label("Thème").select_option(index=1)
    page.get_by_label("Lieu").select_option(str(grand_air.pk))
    page.get_by_label("Date").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Début").fill("10:00")
    page.get_by_label("Fin").fill("11:30")
    page.get_by_label("Capacité (places)").fill("8")
    page.get_by_label("Animé par un conseiller ou une conseillère").select_option(str(counsellor.pk))
    screenshot("nouvel-atelier")
    page.get_by_role("button", name="Créer l'atelier").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Atelier —")
    workshop = Workshop.objects.get(venue=grand_air, date=today, start_time=datetime.time(10))
    for someone in site.people:
        go("beneficiaries:detail", someone.pk)
        page.get_by_label("Inscrire à un atelier à venir").select_option(str(workshop.pk))
        page.get_by_role("button", name="Inscrire", exact=True).click()
    assert workshop.registrations.count() == 2
    go("beneficiaries:workshop", workshop.pk)
    page.get_by_role("link", name="Nouvelle personne").click()
    page.locator("#id_last_name").fill("Nouveau")
    page.locator("#id_first_name").fill("Venu")
    page.get_by_label("Homme").check()
    page.get_by_role("button", name="Créer le dossier").click()
    walk_in = WorkshopRegistration.objects.get(workshop=workshop, beneficiary__last_name="Nouveau")
    assert walk_in.attendance == AttendanceMark.PRESENT  # added at the door: present
    go("beneficiaries:workshop", workshop.pk)
    page.get_by_role("group", name=re.compile(f"Présence de {person.first_name}")).get_by_label(
        "Présent·e"
    ).check()
    page.get_by_role("group", name=re.compile(f"Présence de {site.people[1].first_name}")).get_by_label(
        "Excusé·e"
    ).check()
    page.get_by_role("button", name="Enregistrer les présences").click()
    screenshot("atelier-presences")
    marks = dict(workshop.registrations.values_list("beneficiary__last_name", "attendance"))
    assert marks == {
        person.last_name: AttendanceMark.PRESENT,
        site.people[1].last_name: AttendanceMark.EXCUSED,
        "Nouveau": AttendanceMark.PRESENT,
    }

    # --- Her caseload -----------------------------------------------------------------
    go("beneficiaries:detail", person.pk)
    claim = page.get_by_role("button", name=re.compile("Je suis"))
    if claim.count():
        claim.click()
    go("beneficiaries:caseload")
    expect(page.get_by_role("main")).to_contain_text(person.ref)
    screenshot("mes-personnes")

    # --- The file tells it all, newest first ----------------------------------------------
    go("beneficiaries:detail", person.pk)
    screenshot("dossier-parcours")
    headings = [h.inner_text() for h in page.locator("main ol.timeline h3").all()]
    day = date_format(today, "l j F Y")
    kinds = [h.split(" — ")[0] for h in headings if h.endswith(day)]
    # All of it today: the same day's entries in the order they were written, newest first.
    assert kinds == [
        "Atelier collectif",  # present
        "Rendez-vous individuel",  # the visit that honoured the follow-up
        "Orientation hors rendez-vous",  # by phone
        "Rendez-vous de suivi",  # booked at the end of the first visit, now honoured
        "Rendez-vous individuel",  # the first visit, corrected
        "Atelier collectif",  # the site's own workshop of today, recorded before all this
    ], headings
    expect(page.locator("main ol.timeline")).to_contain_text("Honoré")
    expect(page.locator("main ol.timeline")).to_contain_text("par téléphone")

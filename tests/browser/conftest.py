import datetime
import logging
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver
from playwright.sync_api import expect

from beneficiaries.enums import OutcomeKind, Partner, ReferralChannel
from beneficiaries.models import Appointment, Beneficiary, Outcome, Referral, Topic, WorkshopRegistration
from core.logs import JsonFormatter
from permanences.enums import PermanenceStatus
from permanences.models import Quarter, Venue, WeeklySlot

from ..factories import (
    PASSWORD,
    TOTP_SECRET,
    make_permanence,
    make_person,
    make_visit,
    make_workshop,
    totp_code,
)
from . import a11y

# The live server reads the database from its own thread: the data must be
# committed (transactional tests, the database is emptied after each one).
browser = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    pass


def personal_words() -> set[str]:
    """What identifies a person in the database now: names, phones, e-mails of the
    files; names and e-mails of the staff (their log lines carry their id only)."""
    words = set()
    for row in Beneficiary.objects.values_list("last_name", "first_name", "phone", "email"):
        words.update(row)
    for row in get_user_model().objects.values_list("username", "first_name", "last_name", "email"):
        words.update(row)
    return {word.strip().lower() for word in words if len(word.strip()) >= 3} - url_words()


def url_words(patterns=None) -> set[str]:
    """The words of the URL patterns (`nouveau` of /personnes/ateliers/nouveau/), which the
    request lines show as their route: a fictitious person may be named so."""
    words = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        words.update(re.findall(r"\w+", str(pattern.pattern).lower()))
        words |= url_words(pattern.url_patterns) if hasattr(pattern, "url_patterns") else set()
    return words


@pytest.fixture(autouse=True)
def _no_personal_data_in_logs(transactional_db, caplog):
    """Every browser test greps its logs, as text and as JSON (LOG_FORMAT), for the
    names, phones and e-mails in the database at its end: none may appear."""
    caplog.set_level(logging.INFO)
    yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    # Formatted as production formats them: the console handler of LOGGING (its
    # filters, its text format), and as JSON (LOG_FORMAT=json).
    (console,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    lines = []
    for record in records:
        console.filter(record)
        lines += [console.format(record), JsonFormatter().format(record)]
    assert any(record.name == "permanences.requests" for record in records)  # the pages were logged
    text = "\n".join(lines).lower()
    found = {word for word in personal_words() if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)}
    assert not found, f"données personnelles dans les journaux : {sorted(found)}"


@pytest.fixture
def login(page, live_server):
    """Log in through the real form; `totp_secret` answers the two-factor step
    of the roles that have one (coordination, admins)."""

    def _login(username, password, totp_secret=TOTP_SECRET):
        page.goto(f"{live_server.url}/connexion/")
        page.get_by_label("Nom d’utilisateur").fill(username)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state()
        if "/2fa/authenticate/" in page.url:
            page.locator("input[name=code]").fill(totp_code(totp_secret))
            page.get_by_role("button", name="Connexion").click()
            page.wait_for_load_state()
        return page

    return _login


@pytest.fixture
def site(counsellor, coordinator, today):
    """A small territory with something on every page: today's sessions, a coming
    cancellation, and last year's activity for the dashboards."""
    bel_air = Quarter.objects.create(name="Bel Air – Grands Pêchers", is_priority=True)
    morillon = Quarter.objects.create(name="Montreau – Le Morillon")
    grand_air = Venue.objects.create(
        name="Centre social Grand Air",
        quarter=bel_air,
        address="40 rue du Bel Air",
        postal_code="93100",
        city="Montreuil",
        access_info="Bus 122, arrêt Bel Air",
    )
    esperanto = Venue.objects.create(name="Centre social Espéranto", quarter=morillon, city="Montreuil")
    valid_from = datetime.date(2015, 1, 1)
    for venue, weekday, start, end in [
        (grand_air, today.weekday(), "09:30", "12:30"),
        (grand_air, (today.weekday() + 3) % 7, "14:00", "17:00"),
        (esperanto, today.weekday(), "14:00", "17:00"),
        (esperanto, (today.weekday() + 1) % 7, "09:30", "12:30"),
    ]:
        slot = WeeklySlot.objects.create(
            venue=venue,
            weekday=weekday,
            start_time=datetime.time.fromisoformat(start),
            end_time=datetime.time.fromisoformat(end),
            valid_from=valid_from,
        )
        slot.counsellors.add(counsellor if venue == grand_air else coordinator)
    closure = make_permanence(
        grand_air, today + datetime.timedelta(weeks=1), status=PermanenceStatus.CANCELLED
    )
    last_year = datetime.date(today.year - 1, 6, 15)
    # Élodie is in the counsellor's caseload (Mes personnes, Portefeuilles).
    people = [make_person("Martin", "Élodie", referent=counsellor), make_person("Diallo", "Moussa", sex="M")]
    for n, venue in enumerate([grand_air, esperanto]):
        held = make_permanence(venue, last_year + datetime.timedelta(days=n))
        for person in people:
            make_visit(person, held, counsellor=counsellor).topics.set(Topic.objects.all()[:2])
    # What the correction pages show: a referral during a visit, one by phone, an outcome.
    visit = people[0].visits.order_by("date").first()
    referral = Referral.objects.create(
        beneficiary=people[0],
        visit=visit,
        partner=Partner.PLIE,
        detail="Action emploi",
        proposed_on=visit.date,
    )
    Referral.objects.create(
        beneficiary=people[0],
        partner=Partner.CAP_EMPLOI,
        channel=ReferralChannel.PHONE,
        proposed_on=visit.date,
    )
    outcome = Outcome.objects.create(beneficiary=people[0], kind=OutcomeKind.CDI, start_date=last_year)
    # A session today outside the slots' hours, for the desk and the visit form.
    session = make_permanence(grand_air, today, start="18:00", end="20:00")
    # Last week's session nobody said took place (data-quality panel), and the
    # counsellor's coming ones (Mes prochaines permanences).
    make_permanence(
        esperanto,
        today - datetime.timedelta(weeks=1),
        status=PermanenceStatus.PLANNED,
        start="18:00",
        end="19:30",
    )
    closure.counsellors.add(counsellor)
    make_permanence(
        grand_air,
        today + datetime.timedelta(days=2),
        status=PermanenceStatus.PLANNED,
        start="18:00",
        end="19:30",
    ).counsellors.add(counsellor)
    # Follow-up appointments: one expected at the desk of that session, one at a coming one.
    coming = make_permanence(
        esperanto,
        today + datetime.timedelta(days=2),
        start="14:00",
        end="17:00",
        status=PermanenceStatus.PLANNED,
    )
    Appointment.objects.create(beneficiary=people[1], permanence=session, time="18:30", purpose="CV")
    Appointment.objects.create(beneficiary=people[0], permanence=coming, time="14:30", purpose="Bilan")
    # A workshop today, full: one person present, one on the waiting list.
    workshop = make_workshop(grand_air, today, capacity=1, facilitator=counsellor)
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=people[0], attendance="present")
    WorkshopRegistration.objects.create(workshop=workshop, beneficiary=people[1], status="waiting")
    return SimpleNamespace(
        venues=[grand_air, esperanto],
        closure=closure,
        people=people,
        session=session,
        visit=visit,
        referral=referral,
        outcome=outcome,
        workshop=workshop,
    )


@pytest.fixture
def check_page(page, browser, live_server, login, artefacts):
    """Load a page at phone, tablet and desktop widths, as a role's user or anonymously.

    With the real CSP: screenshots (test-artefacts/pages/), no console error (a
    CSP violation is one), one main and one h1, no sideways scrolling, keyboard
    use. Then axe-core at each width (reports in test-artefacts/axe/): any
    violation of impact serious or critical fails. `check_page.loaded(name)`
    checks the page the test has just reached itself (after a POST, a login
    step…): axe then reads the same HTML, served again at the same address.
    """
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))

    def loaded(name: str, *, replay: bool = False, status: int = 200):
        if status != 200:  # the browser reports an error status on the console
            errors[:] = [e for e in errors if f"status of {status}" not in e]
        for width, viewport in a11y.VIEWPORTS.items():
            page.set_viewport_size(viewport)
            a11y.assert_page_structure(page)
            page.screenshot(path=artefacts / "pages" / f"{name}-{width}.png", full_page=True)
        a11y.assert_keyboard_usable(page)
        assert errors == [], errors
        url, html = page.url, page.content()
        axe = a11y.axe_page(browser, page.context.storage_state())
        try:
            if replay:
                axe.route(
                    url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8")
                )
            axe.goto(url)
            for width, viewport in a11y.VIEWPORTS.items():
                axe.set_viewport_size(viewport)
                a11y.assert_no_serious_violations(axe, artefacts / "axe" / f"{name}-{width}.json")
        finally:
            axe.context.close()

    def _check(path: str, name: str, *, username: str | None = None, status: int = 200):
        if username is not None:
            login(username, PASSWORD)
            expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
        url = live_server.url + path
        response = page.goto(url)
        assert response.status == status, url
        loaded(name, status=status)

    _check.loaded = loaded
    return _check

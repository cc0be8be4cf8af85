"""The data-quality panel: each count, and the list of files it links to, agree."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from beneficiaries.enums import OutcomeKind, Partner, QualityCheck, Sex
from beneficiaries.models import Beneficiary, Outcome, Referral, Topic
from beneficiaries.quality import idle_counts, person_condition
from reporting.quality import data_quality

from ..factories import make_permanence, make_person, make_visit
from .conftest import YEAR

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
QUALITY = reverse("reporting:quality")


@pytest.fixture
def files(venue, today):
    """One file per problem, and one without any."""
    topic = Topic.objects.first()
    session = make_permanence(venue, D(f"{YEAR}-03-06"))
    before = make_permanence(venue, D(f"{YEAR - 1}-03-06"))
    complete = make_person("Complet", birth_date=D("1990-01-01"), quarter=venue.quarter)
    make_visit(complete, session).topics.add(topic)
    unknown_sex = make_person(
        "Inconnu", sex=Sex.NOT_STATED, birth_date=D("1990-01-01"), quarter=venue.quarter
    )
    make_visit(unknown_sex, session).topics.add(topic)
    no_birth_no_quarter = make_person("Vide")
    make_visit(no_birth_no_quarter, session).topics.add(topic)
    no_topic = make_person("Sansthème", birth_date=D("1990-01-01"), quarter=venue.quarter)
    make_visit(no_topic, session)
    make_visit(no_topic, before)  # a visit without topic of another year: not counted
    cdd = make_person("Cdd", birth_date=D("1990-01-01"), quarter=venue.quarter)
    make_visit(cdd, session).topics.add(topic)
    Outcome.objects.create(beneficiary=cdd, kind=OutcomeKind.CDD, start_date=D(f"{YEAR}-04-01"))
    Outcome.objects.create(
        beneficiary=cdd, kind=OutcomeKind.CDD, start_date=D(f"{YEAR}-05-01"), end_date=D(f"{YEAR}-11-01")
    )
    waiting = make_person("Attente", birth_date=D("1990-01-01"), quarter=venue.quarter)
    visit = make_visit(waiting, session)
    visit.topics.add(topic)
    Referral.objects.create(beneficiary=waiting, visit=visit, partner=Partner.PLIE, proposed_on=visit.date)
    # Idle: last seen just over the retention period ago; due soon: in 10 days.
    retention = datetime.timedelta(days=settings.RETENTION_DAYS)
    idle = make_person("Inactif")
    make_visit(idle, make_permanence(venue, today - retention - datetime.timedelta(days=1)))
    soon = make_person("Bientôt")
    make_visit(soon, make_permanence(venue, today - retention + datetime.timedelta(days=10)))
    never_seen = make_person("Jamaisvu")
    Beneficiary.objects.filter(pk=never_seen.pk).update(
        created_at=timezone.now() - retention - datetime.timedelta(days=3)
    )
    return {"no_topic": no_topic, "idle": idle, "soon": soon, "never_seen": never_seen}


def test_the_panel_counts_each_problem_of_the_year(files, today):
    panel = data_quality(YEAR, today=today)
    lines = {line.check: line for line in panel.lines}
    assert panel.persons == 6
    assert (lines[QualityCheck.SEX_NOT_STATED].count, lines[QualityCheck.SEX_NOT_STATED].share) == (1, 17)
    assert lines[QualityCheck.BIRTH_DATE_UNKNOWN].count == 1
    assert lines[QualityCheck.QUARTER_NOT_STATED].count == 1
    no_topic = lines[QualityCheck.VISIT_WITHOUT_TOPIC]
    assert (no_topic.count, no_topic.out_of, no_topic.persons, no_topic.counted) == (1, 6, 1, "1 rendez-vous")
    cdd = lines[QualityCheck.CDD_WITHOUT_END]
    assert (cdd.count, cdd.out_of, cdd.persons) == (1, 2, 1)
    referrals = lines[QualityCheck.REFERRAL_WITHOUT_RESULT]
    assert (referrals.count, referrals.out_of, referrals.persons) == (1, 1, 1)
    # Today: the files last seen in YEAR are idle too, with the one never seen since its creation.
    assert lines[QualityCheck.IDLE].count == 6 + 2
    assert lines[QualityCheck.IDLE_SOON].count == 1


def test_each_line_links_to_the_list_of_exactly_the_files_concerned(client, coordinator, files, today):
    client.force_login(coordinator)
    for line in data_quality(YEAR, today=today).lines:
        response = client.get(line.url)
        assert response.status_code == 200, line.url
        assert response.context["page"].paginator.count == line.persons, line.check
    response = client.get(reverse("beneficiaries:list"), {"qualite": QualityCheck.IDLE_SOON})
    assert [p.pk for p in response.context["page"].object_list] == [files["soon"].pk]
    response = client.get(reverse("beneficiaries:list"), {"qualite": QualityCheck.IDLE})
    idle = {p.pk for p in response.context["page"].object_list}
    assert {files["idle"].pk, files["never_seen"].pk} <= idle and files["soon"].pk not in idle
    # What counts, as the panel says it: visits and workshops attended, or the file's creation.
    panel = client.get(reverse("reporting:quality"), {"annee": YEAR}).content.decode()
    assert (
        "Les dossiers sans rendez-vous ni atelier suivi depuis la durée de conservation "
        f"({settings.RETENTION_DAYS} jours ; sans aucun, depuis leur création) sont à anonymiser"
    ) in panel


def test_the_idle_counts_are_those_of_the_list_conditions_around_each_date(venue, today):
    """The panel counts the files due soon as those idle by the notice's end less those idle
    today (reporting/quality.py): the same files as the lists' conditions, file by file."""
    cutoff = today - datetime.timedelta(days=settings.RETENTION_DAYS)
    for n, days in enumerate((-40, -31, -30, -29, -1, 0, 1, 29, 30, 31, 40)):
        day = cutoff + datetime.timedelta(days=days)
        make_visit(make_person(f"Vu{n}"), make_permanence(venue, day))
        created = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        Beneficiary.objects.filter(pk=make_person(f"Jamais{n}").pk).update(created_at=created)
    counts = idle_counts(Beneficiary.objects.all(), today=today)
    assert counts == {QualityCheck.IDLE: 10, QualityCheck.IDLE_SOON: 6}
    for check in (QualityCheck.IDLE, QualityCheck.IDLE_SOON):
        assert counts[check] == Beneficiary.objects.filter(person_condition(check, today=today)).count()


def test_the_list_filter_applies_the_period_to_the_dated_thing(client, counsellor, files):
    client.force_login(counsellor)
    params = {"qualite": QualityCheck.VISIT_WITHOUT_TOPIC}
    whole = client.get(reverse("beneficiaries:list"), params)
    earlier = client.get(
        reverse("beneficiaries:list"),
        {**params, "seen_from": f"01/01/{YEAR - 1}", "seen_until": f"31/12/{YEAR - 1}"},
    )
    # Without a period: every file with a visit without topic (the idle ones' too).
    assert {p.pk for p in whole.context["page"].object_list} == {
        files["no_topic"].pk,
        files["idle"].pk,
        files["soon"].pk,
    }
    assert [p.pk for p in earlier.context["page"].object_list] == [files["no_topic"].pk]
    unknown = client.get(reverse("beneficiaries:list"), {"qualite": "nimporte"})
    assert unknown.status_code == 200 and "Sélectionnez un choix valide" in unknown.content.decode()


def test_the_panel_page_is_for_coordination_only(client, coordinator, city, counsellor, files):
    client.force_login(coordinator)
    response = client.get(QUALITY, {"year": YEAR})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sexe non précisé" in html and "Voir 1 dossier" in html
    for user in (city, counsellor):
        client.force_login(user)
        assert client.get(QUALITY).status_code == 403


def test_the_panel_takes_a_constant_number_of_queries(client, coordinator, files, django_assert_num_queries):
    client.force_login(coordinator)
    # session, user, roles; years offered; the data versions (of the year, of every year); five counts
    # of the year and two of the idle files (this test's writes are not committed: no shared cache,
    # tests/reporting/test_cached.py); the past sessions left "planned": their number, the most recent
    # with venue and quarter.
    with django_assert_num_queries(15):
        client.get(QUALITY, {"year": YEAR})

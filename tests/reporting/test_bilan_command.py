"""`manage.py bilan`: the published 2020 figures of the demonstration data, and nothing masked."""

import csv
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from beneficiaries.enums import Sex
from permanences.models import Quarter, Venue
from reporting.disclosure import MARKERS

from ..factories import make_permanence, make_person, make_visit

pytestmark = pytest.mark.django_db


def bilan(*args) -> str:
    out = io.StringIO()
    call_command("bilan", *args, stdout=out)
    return out.getvalue()


def test_the_json_of_2020_gives_the_published_figures(demo_db):
    figures = json.loads(bilan("--year", "2020", "--format", "json"))

    assert figures["persons"] == 201
    assert (figures["women"], figures["men"]) == (125, 76)
    assert (figures["women_pct"], figures["men_pct"]) == (62, 38)
    assert figures["appointments"] == 348
    assert figures["persons_with_outcome"] == 34
    assert figures["outcomes"]["cdi"] == 8
    assert figures["outcomes"]["cdd"] == 8
    assert figures["outcomes"]["contrat_aide"] + figures["outcomes"]["alternance"] == 12
    assert figures["outcomes"]["formation"] == 18
    assert figures["outcomes_grouped"] == {
        "cdi": 8,
        "cdd": 8,
        "contrat_aide_ou_apprentissage": 12,
        "formation": 18,
        "autres": 0,
    }


def test_the_json_has_every_documented_key(demo_db):
    figures = json.loads(bilan("--year", "2020", "--format", "json"))
    with open("docs/BILAN.md", encoding="utf-8") as doc:
        documented = doc.read()
    for key in figures:
        assert f"`{key}`" in documented, key
    assert set(figures["outcomes"]) == {
        "cdi",
        "cdd",
        "interim",
        "contrat_aide",
        "alternance",
        "formation",
        "creation_activite",
    }
    assert len(figures["by_month"]) == 12
    assert sum(row["persons"] for row in figures["by_quarter"]) == 201
    assert sum(row["appointments"] for row in figures["by_venue"]) == 348
    for nested in ("by_quarter", "by_venue", "by_month", "referrals"):
        for key in figures[nested][0]:
            assert f"`{key}`" in documented, (nested, key)


def test_the_text_is_in_french_and_starts_with_the_headline(demo_db):
    text = bilan("--year", "2020")
    assert text.startswith("Bilan 2020 — tous les lieux d'accueil")
    assert (
        "201 personnes accompagnées, dont 62 % de femmes et 38 % d'hommes ; 348 rendez-vous individuels ; "
        "34 personnes ont trouvé un emploi ou une formation : 8 CDI, 8 CDD, "
        "12 contrats aidés ou d'apprentissage, 18 formations."
    ) in text
    assert "Activité par lieu d'accueil" in text


def test_the_csv_is_for_french_excel(demo_db):
    text = bilan("--year", "2020", "--format", "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert ["Personnes accompagnées", "201"] in rows
    assert ["Rendez-vous individuels", "348"] in rows


def test_it_restricts_to_a_venue_or_to_the_venues_of_a_quarter(demo_db):
    venue = Venue.objects.order_by("pk").first()
    quarter = Quarter.objects.get(pk=venue.quarter_id)
    by_venue = json.loads(bilan("--year", "2020", "--format", "json", "--venue", str(venue.pk)))
    by_quarter = json.loads(bilan("--year", "2020", "--format", "json", "--quarter", str(quarter.pk)))
    whole = json.loads(bilan("--year", "2020", "--format", "json"))
    [row] = [row for row in whole["by_venue"] if row["venue_id"] == venue.pk]
    assert by_venue["persons"] == row["persons"] and by_venue["appointments"] == row["appointments"]
    assert by_venue["scope"]["venue"] == {"id": venue.pk, "name": venue.name}
    assert by_quarter["scope"]["quarter"]["name"] == quarter.name
    assert by_venue["persons"] <= by_quarter["persons"] < whole["persons"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1850"], "Année invraisemblable"),
        (["--year", "2020", "--venue", "999999"], "Lieu d'accueil inconnu"),
        (["--year", "2020", "--quarter", "999999"], "Quartier inconnu"),
    ],
)
def test_bad_arguments_get_a_french_message(db, args, message):
    with pytest.raises(CommandError, match=message):
        bilan(*args)


def test_a_venue_of_two_persons_gets_every_figure_unmasked(db):
    """The help: « Tous les chiffres, sans masquage », even the small counts a page would hide."""
    # A quarter and a venue of its own: the demonstration's data may be loaded for this module.
    quarter = Quarter.objects.create(name="Quartier du banc d'essai")
    venue = Venue.objects.create(name="Salle du banc d'essai", quarter=quarter)
    session = make_permanence(venue, datetime.date(2024, 3, 12))
    for name, sex in (("Martin", Sex.FEMALE), ("Durand", Sex.MALE)):
        make_visit(make_person(name, sex=sex), session)
    scope = ("--year", "2024", "--venue", str(venue.pk))
    text = bilan(*scope, "--format", "text")
    rows = list(csv.reader(io.StringIO(bilan(*scope, "--format", "csv").lstrip("\ufeff")), delimiter=";"))
    assert "2 personnes accompagnées" in text
    # The venue's row: sessions held, persons, women, men, sex not stated, visits.
    assert ["Ensemble", "1", "2", "1", "1", "0", "2"] in [line.split() for line in text.splitlines()]
    assert ["Personnes accompagnées", "2"] in rows
    assert [venue.name, venue.quarter.name, "1", "2", "1", "1", "0", "2"] in rows
    for marker in MARKERS:
        assert marker not in text
        assert not any(marker in cell for row in rows for cell in row)

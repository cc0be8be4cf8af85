"""The demonstration's years, every page the city can ask for: no count hidden
from the city can be recomputed from what it is shown (tests/reporting/attacker.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from permanences.models import Quarter, Venue

from .city_pages import check_every_page

pytestmark = pytest.mark.django_db


def test_no_hidden_count_of_the_demonstration_can_be_recomputed(demo_db):
    users = get_user_model().objects
    city, coordination = users.get(username="ville"), users.get(username="coordination")
    years = range(2019, timezone.localdate().year + 1)

    # The exports of the city's pages are read (the hand-made years read more).
    survey = check_every_page(city, coordination, years, exports=["city"])

    # Every year: the city, each venue, each quarter; 2020 (published) once more.
    scopes = 1 + Venue.objects.count() + Quarter.objects.count()
    assert survey.pages == len(years) * scopes + 1
    assert survey.hidden > 1000 and survey.learned > 100
    assert survey.recomputed == []
    assert survey.solvable == []

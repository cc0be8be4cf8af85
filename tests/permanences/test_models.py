"""The model rules the public schedule and the planning rely on."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from permanences.enums import Weekday
from permanences.models import PublicInfo, WeeklySlot

pytestmark = pytest.mark.django_db

T = datetime.time.fromisoformat


@pytest.mark.parametrize("weekday", list(Weekday))
@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [("2026-01-01", None), ("2026-03-04", None), ("2026-01-01", "2026-03-20"), ("2026-03-10", "2026-03-11")],
)
def test_slot_dates_between_are_the_days_it_opens(venue, weekday, valid_from, valid_until):
    s = WeeklySlot(
        venue=venue,
        weekday=weekday,
        start_time=T("09:00"),
        end_time=T("10:00"),
        valid_from=datetime.date.fromisoformat(valid_from),
        valid_until=datetime.date.fromisoformat(valid_until) if valid_until else None,
    )
    start, end = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
    every_day = [start + datetime.timedelta(days=n) for n in range(31)]
    expected = [d for d in every_day if d.weekday() == weekday and s.is_valid_on(d)]
    assert list(s.dates_between(start, end)) == expected


def test_the_public_texts_are_one_row_read_without_writing(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        info = PublicInfo.objects.current()
    assert info.what_to_bring_list[0] == "Une pièce d'identité ou un titre de séjour"
    assert not PublicInfo.objects.exists()
    info.organiser = "Association Aurore"
    info.save()
    assert PublicInfo.objects.get().organiser == "Association Aurore"
    with pytest.raises(IntegrityError), transaction.atomic():
        PublicInfo.objects.bulk_create([PublicInfo(id=2)])

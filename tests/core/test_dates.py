"""One date parser for the forms, the search box and the importer, and one date field
for every form (core.forms.TypedDateField) that reads with it."""

import datetime

import pytest
from django import forms

from core.dates import ImpossibleDate, parse_date
from core.forms import TypedDateField

D = datetime.date


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("04/03/1990", D(1990, 3, 4)),
        ("4/3/1990", D(1990, 3, 4)),
        ("1990-03-04", D(1990, 3, 4)),
        ("1990-3-4", D(1990, 3, 4)),
        ("  04/03/1990 ", D(1990, 3, 4)),
        ("\t1990-03-04\n", D(1990, 3, 4)),
        ("29/02/2024", D(2024, 2, 29)),
    ],
)
def test_it_reads_french_and_iso_dates(text, day):
    assert parse_date(text) == day


@pytest.mark.parametrize(
    "text",
    ["", "demain", "1990/03/04", "04-03-1990", "04/03/90", "04.03.1990", "04/03/1990 12:00", "٠٤/٠٣/١٩٩٠"],
)
def test_it_refuses_other_writings(text):
    with pytest.raises(ValueError) as error:
        parse_date(text)
    assert not isinstance(error.value, ImpossibleDate)


@pytest.mark.parametrize("text", ["31/02/2024", "29/02/2023", "2024-13-01", "00/01/2024"])
def test_an_impossible_day_is_a_value_error_of_its_own(text):
    with pytest.raises(ImpossibleDate):
        parse_date(text)


def test_every_form_reads_its_dates_with_the_one_parser():
    field = TypedDateField(required=False)
    assert [field.clean(text) for text in ("04/03/1990", "1990-03-04", "")] == [
        D(1990, 3, 4),
        D(1990, 3, 4),
        None,
    ]
    for text in ("31/02/2024", "٠٤/٠٣/١٩٩٠", "demain"):
        with pytest.raises(forms.ValidationError) as error:
            field.clean(text)
        assert error.value.messages == ["Date invalide : saisissez-la sous la forme jj/mm/aaaa."]
    assert 'value="04/03/1990"' in field.widget.render("date", D(1990, 3, 4))

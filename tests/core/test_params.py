"""Numbers typed in addresses and forms: the digits 0-9 only."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from core.forms import AsciiIntegerField, AsciiModelChoiceField, AsciiModelMultipleChoiceField
from core.params import ascii_int


@pytest.mark.parametrize("text", ["²", "١٢", "１２", "৩", "1²", "", " 12", "12 ", "-3", "1.5", "9" * 19])
def test_only_ascii_digits_make_a_number(text):
    assert ascii_int(text) is None


def test_ascii_digits_make_their_number():
    assert (ascii_int("0"), ascii_int("2026"), ascii_int(42)) == (0, 2026, 42)


def test_a_form_number_in_other_digits_gets_a_french_error():
    field = AsciiIntegerField(min_value=1)
    assert field.clean("12") == 12
    with pytest.raises(Exception, match="supérieure ou égale à 1"):
        field.clean("-5")  # a sign is a number's, and its bound says why
    for text in ("١٢", "１２", "²"):
        with pytest.raises(Exception, match="chiffres 0 à 9"):
            field.clean(text)


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.django_db
def test_a_row_chosen_by_an_id_in_other_digits_is_not_that_row():
    group = Group.objects.create(name="Groupe témoin")
    other_digits = str(group.pk).translate(ARABIC_INDIC)
    assert int(other_digits) == group.pk  # what int() alone would choose
    single = AsciiModelChoiceField(queryset=Group.objects.all())
    assert single.clean(str(group.pk)) == group
    with pytest.raises(ValidationError):
        single.clean(other_digits)
    several = AsciiModelMultipleChoiceField(queryset=Group.objects.all())
    assert list(several.clean([str(group.pk)])) == [group]
    with pytest.raises(ValidationError):
        several.clean([str(group.pk), other_digits])

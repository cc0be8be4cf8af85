"""Planning the persons file: one case file per ref, created or updated."""

import datetime
import re

from core.spreadsheets import Sheet
from permanences.models import Quarter

from ..bounds import birth_date_problem
from ..enums import Sex
from ..models import Beneficiary
from ..normalise import normalise_phone
from .cells import (
    CellError,
    check_length,
    field_length,
    name_parser,
    parse_optional_date,
    parse_text,
    required_text_parser,
)
from .context import PlanContext, chunks, raw_ref
from .plan import PERSONS, PersonRow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_LENGTH = field_length(Beneficiary, "phone")
_EMAIL_LENGTH = field_length(Beneficiary, "email")

# Labels of the person fields, for the preview of updates.
PERSON_FIELD_LABELS = {
    "last_name": "nom",
    "first_name": "prénom",
    "sex": "sexe",
    "birth_date": "date de naissance",
    "quarter_id": "quartier",
    "phone": "téléphone",
    "email": "courriel",
}


def parse_sex(raw) -> str:
    text = parse_text(raw).upper()
    if text in ("", Sex.NOT_STATED):
        return Sex.NOT_STATED
    if text not in (Sex.FEMALE, Sex.MALE):
        raise CellError(f"Sexe inconnu « {text} » : F, M ou vide (non précisé).")
    return text


def parse_birth_date(raw, *, today: datetime.date) -> datetime.date | None:
    day = parse_optional_date(raw)
    if day is not None and (problem := birth_date_problem(day, today)):
        raise CellError(problem)
    return day


def parse_phone(raw) -> str:
    return check_length(normalise_phone(parse_text(raw)), _PHONE_LENGTH, "Téléphone")


def parse_email(raw) -> str:
    # Looser than the form's validator: past spreadsheets hold addresses
    # such as "leïla@…" that a file may already carry.
    text = check_length(parse_text(raw), _EMAIL_LENGTH, "Courriel")
    if text and not _EMAIL.match(text):
        raise CellError(f"Courriel invalide « {text} ».")
    return text


def _parsers(context: PlanContext) -> dict:
    find_quarter = name_parser(Quarter.objects.all(), "Quartier")

    def parse_quarter(raw) -> int | None:
        name = parse_text(raw)
        return find_quarter(name).pk if name else None

    return {
        "ref": required_text_parser(field_length(Beneficiary, "ref"), "Référence"),
        "last_name": required_text_parser(field_length(Beneficiary, "last_name"), "Nom", collapse=True),
        "first_name": required_text_parser(field_length(Beneficiary, "first_name"), "Prénom", collapse=True),
        "sex": parse_sex,
        "birth_date": lambda raw: parse_birth_date(raw, today=context.today),
        "quarter": parse_quarter,
        "phone": parse_phone,
        "email": parse_email,
    }


def check_persons(context: PlanContext, sheet: Sheet, columns: dict[str, int]) -> list[PersonRow]:
    """The valid rows of the persons file; a problem for each invalid cell and repeated ref."""
    parsers = _parsers(context)
    rows, seen = [], {}
    for line, record, values in context.parsed_rows(PERSONS, sheet, columns, parsers):
        ref = raw_ref(record, columns["ref"])
        if ref in seen:
            context.problem(PERSONS, line, "ref", f"Référence « {ref} » déjà présente ligne {seen[ref]}.")
            continue
        if ref:
            seen[ref] = line
            context.file_refs.add(ref)
        if values is None:
            continue
        values.pop("ref")
        if "quarter" in values:
            values["quarter_id"] = values.pop("quarter")
        rows.append(PersonRow(line, ref, values))
    return rows


def compare_persons(context: PlanContext, rows: list[PersonRow]) -> None:
    """New persons, and the fields of stored ones that the file changes."""
    plan = context.plan
    stored: dict[str, Beneficiary] = {}
    for chunk in chunks(row.ref for row in rows):
        query = Beneficiary.objects.filter(ref__in=chunk)
        if context.lock:
            query = query.select_for_update()
        stored.update((person.ref, person) for person in query)
    for row in rows:
        person = stored.get(row.ref)
        if person is None:
            values = {"sex": Sex.NOT_STATED, **row.values}
            plan.new_persons.append(Beneficiary(ref=row.ref, **values))
            plan.persons.created += 1
            continue
        plan.person_pks[row.ref] = person.pk
        changed = {name for name, value in row.values.items() if getattr(person, name) != value}
        if not changed:
            plan.persons.unchanged += 1
            continue
        for name in changed:
            setattr(person, name, row.values[name])
        plan.person_updates[person.pk] = (person, changed)
        plan.persons.updated += 1
        labels = [label for name, label in PERSON_FIELD_LABELS.items() if name in changed]
        plan.add_change(PERSONS, row.line, row.ref, ", ".join(labels))

"""Reading the persons file: each row's values, checked; who the rows are is
found by `matching.py`."""

import datetime
import re

from core.spreadsheets import StreamedSheet
from permanences.models import Quarter

from ..bounds import birth_date_problem
from ..enums import QualificationLevel, Sex, TriState
from ..models import Beneficiary
from ..normalise import normalise_phone, search_key
from ..services import ANONYMOUS
from .cells import (
    CellError,
    check_length,
    choice_parser,
    field_length,
    name_parser,
    optional_text_parser,
    parse_optional_date,
    parse_text,
    past_date_parser,
    required_text_parser,
)
from .context import PlanContext, raw_ref
from .formats import PERSONS
from .plan import PersonRow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_LENGTH = field_length(Beneficiary, "phone")
_EMAIL_LENGTH = field_length(Beneficiary, "email")
_FLAGS = {"france_travail": "France Travail", "rsa": "RSA", "rqth": "RQTH"}
# What an anonymised file no longer holds: its cells must be empty (column: field).
_IDENTIFYING = {
    "phone": "phone",
    "email": "email",
    "france_travail": "france_travail",
    "rsa": "rsa",
    "rqth": "rqth",
    "qualification_level": "qualification_level",
    "notice_given_on": "notice_given_on",
    "referent": "referent_id",
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

    def parse_referent(raw) -> int | None:
        name = parse_text(raw)
        pks = context.user_pks(name)
        if len(pks) > 1:
            raise CellError("Un seul compte par dossier : celui de son ou sa référent·e.")
        if pks and pks[0] not in context.counsellor_pks():
            raise CellError(
                f"Le compte « {name} » n'est pas un compte actif du rôle conseiller : seul un conseiller "
                "ou une conseillère peut être référent·e d'un dossier."
            )
        return pks[0] if pks else None

    return {
        "ref": optional_text_parser(field_length(Beneficiary, "ref"), "Référence"),
        "last_name": required_text_parser(field_length(Beneficiary, "last_name"), "Nom", collapse=True),
        "first_name": required_text_parser(field_length(Beneficiary, "first_name"), "Prénom", collapse=True),
        "sex": parse_sex,
        "birth_date": lambda raw: parse_birth_date(raw, today=context.today),
        "quarter": parse_quarter,
        "phone": parse_phone,
        "email": parse_email,
        **{name: choice_parser(TriState.values, label) for name, label in _FLAGS.items()},
        "qualification_level": choice_parser(["", *QualificationLevel.values], "Niveau de qualification"),
        "notice_given_on": past_date_parser("Date de remise de la notice", today=context.today),
        "referent": parse_referent,
        "anonymised_on": past_date_parser("Date d'anonymisation", today=context.today),
    }


def check_persons(context: PlanContext, sheet: StreamedSheet, columns: dict[str, int]) -> list[PersonRow]:
    """The valid rows of the persons file; a problem for each invalid cell, repeated ref,
    repeated person without ref, and identifying value of an anonymised file."""
    rows, seen, seen_persons = [], {}, {}
    has_ref = "ref" in columns
    for line, record, values in context.parsed_rows(PERSONS, sheet, columns, _parsers(context)):
        ref = raw_ref(record, columns["ref"]) if has_ref else ""
        if ref in seen:
            context.problem(PERSONS, line, "ref", f"Référence « {ref} » déjà présente ligne {seen[ref]}.")
            continue
        if ref:
            seen[ref] = line
            context.file_refs.add(ref)
        if values is None:
            continue
        values.pop("ref", None)
        if "quarter" in values:
            values["quarter_id"] = values.pop("quarter")
        if "referent" in values:
            values["referent_id"] = values.pop("referent")
        anonymised = values.get("anonymised_on") is not None
        if anonymised and _identifying_problem(context, line, values):
            continue
        key = (search_key(values["last_name"], values["first_name"]), values.get("birth_date"))
        if not ref and not anonymised and key in seen_persons:
            context.problem(
                PERSONS,
                line,
                "last_name",
                f"Même personne (mêmes nom, prénom et date de naissance) que ligne {seen_persons[key]} : "
                "gardez une seule ligne, ou donnez à chacune sa référence (ref).",
            )
            continue
        seen_persons.setdefault(key, line)
        rows.append(PersonRow(line, ref, values, anonymised=anonymised))
    return rows


def _identifying_problem(context: PlanContext, line: int, values: dict) -> bool:
    """An anonymised file's row that still identifies its person: a problem for each cell."""
    found = False
    for column in ("last_name", "first_name"):
        if values[column] != ANONYMOUS:
            context.problem(
                PERSONS,
                line,
                column,
                f"Dossier anonymisé (anonymised_on rempli) : le nom et le prénom sont « {ANONYMOUS} ».",
            )
            found = True
    for column, name in _IDENTIFYING.items():
        if values.get(name):
            context.problem(
                PERSONS,
                line,
                column,
                "Dossier anonymisé (anonymised_on rempli) : cette cellule doit rester vide.",
            )
            found = True
    return found

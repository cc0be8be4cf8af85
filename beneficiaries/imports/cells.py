"""Reading the cells of an import file.

Each `parse_*` function returns the value a cell holds, or raises CellError
with the French message the preview shows for that line and column.
"""

import datetime
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from core.dates import ImpossibleDate, parse_date
from core.spreadsheets import looks_like_formula, restore

from ..normalise import normalise
from .formats import LIST_SEPARATOR

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Most cells: empty, or neither neutralised, nor a formula, nor holding a control character.
_PLAIN = re.compile(r"(?:[^'=+\-@\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*)?\Z")


class CellError(Exception):
    pass


def parse_text(raw: str | datetime.date) -> str:
    """A cell as stored text: trimmed, formula neutralisation undone, formulas refused."""
    if isinstance(raw, datetime.date):
        return raw.isoformat()
    text = raw.strip()
    if _PLAIN.match(text):
        return text
    restored = restore(text)
    if restored == text and looks_like_formula(text):
        shown = text if len(text) <= 30 else text[:30] + "…"
        raise CellError(
            f"Formule de tableur refusée (« {shown} ») : si c'est du texte, "
            "faites-la précéder d'une apostrophe (')."
        )
    if _CONTROL.search(restored):
        raise CellError("Caractère de contrôle invisible dans la cellule : retapez-la.")
    return restored


@functools.lru_cache(maxsize=20_000)
def parse_date_text(text: str) -> datetime.date:
    """A date written in a cell, or in part of one; the same day comes back often, hence the cache."""
    try:
        return parse_date(text)
    except ImpossibleDate:
        raise CellError(f"Date impossible « {text} ».") from None
    except ValueError:
        raise CellError(f"Date illisible « {text} » : écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA.") from None


def parse_optional_date(raw: str | datetime.date) -> datetime.date | None:
    """The date of a cell (text or an XLSX date cell); None for an empty cell."""
    if isinstance(raw, datetime.date):
        return raw
    text = parse_text(raw)
    return parse_date_text(text) if text else None


def past_date_parser(what: str, *, today: datetime.date) -> Callable[[Any], datetime.date | None]:
    """A parser of an optional date that cannot be after `today`."""

    def parse(raw) -> datetime.date | None:
        day = parse_optional_date(raw)
        if day is not None and day > today:
            raise CellError(f"{what} dans le futur ({day:%d/%m/%Y}).")
        return day

    return parse


def parse_required_date(raw: str | datetime.date, what: str) -> datetime.date:
    day = parse_optional_date(raw)
    if day is None:
        raise CellError(f"{what} obligatoire.")
    return day


_TIME = re.compile(r"([0-9]{1,2})\s*[:hH]\s*([0-9]{2})?(?::([0-9]{2}))?")


@functools.lru_cache(maxsize=2_000)
def parse_time_text(text: str) -> datetime.time:
    """A time written 14:30, 14h30 or 14h (an XLSX time cell reads 14:30:00)."""
    match = _TIME.fullmatch(text)
    hours, minutes = (int(match[1]), int(match[2] or 0)) if match else (99, 99)
    if hours > 23 or minutes > 59 or (match and match[3] and int(match[3]) > 59):
        raise CellError(f"Heure illisible « {text} » : écrivez-la HH:MM (14:30).")
    return datetime.time(hours, minutes)


def parse_optional_time(raw) -> datetime.time | None:
    if isinstance(raw, datetime.date):
        raise CellError(f"Heure illisible « {raw.isoformat()} » : écrivez-la HH:MM (14:30).")
    text = parse_text(raw)
    return parse_time_text(text) if text else None


def choice_parser(choices: Iterable[str], what: str) -> Callable[[Any], str]:
    """A parser of a code among `choices` (any case; "" when `choices` has it), in French words."""
    allowed = tuple(choices)
    shown = ", ".join(code for code in allowed if code) + (" ou vide" if "" in allowed else "")

    def parse(raw) -> str:
        text = parse_text(raw).lower()
        if text not in allowed:
            raise CellError(f"{what} : « {text} » n'est pas un code possible ({shown}).")
        return text

    return parse


def check_length(text: str, max_length: int, what: str) -> str:
    """The text, if it is not longer than `max_length`."""
    if len(text) > max_length:
        raise CellError(f"{what} trop long : {max_length} caractères au plus ({len(text)} ici).")
    return text


def required_text_parser(max_length: int, what: str, *, collapse: bool = False) -> Callable[[Any], str]:
    """A parser of a text cell that must not be empty; `collapse` turns runs of spaces into one."""

    def parse(raw) -> str:
        text = parse_text(raw)
        if collapse:
            text = " ".join(text.split())
        if not text:
            raise CellError(f"{what} obligatoire.")
        return check_length(text, max_length, what)

    return parse


def optional_text_parser(max_length: int, what: str) -> Callable[[Any], str]:
    return lambda raw: check_length(parse_text(raw), max_length, what)


def parse_codes(text: str, known: dict[str, Any], what: str) -> list[Any]:
    """The values of the codes of a list cell (codes separated by `|`, any case)."""
    found = []
    for code in text.split(LIST_SEPARATOR):
        code = code.strip().lower()
        if not code:
            continue
        if code not in known:
            raise CellError(f"{what} inconnu « {code} » (codes possibles : {', '.join(sorted(known))}).")
        found.append(known[code])
    return found


def name_parser(objects: Iterable, what: str) -> Callable[[str], Any]:
    """A parser of the name of one of `objects`, whatever the case and accents: the object."""
    index: dict[str, list] = defaultdict(list)
    for obj in objects:
        index[normalise(obj.name)].append(obj)

    @functools.cache
    def parse(name: str):
        candidates = index.get(normalise(name), [])
        if len(candidates) > 1:
            exact = [obj for obj in candidates if obj.name.casefold() == name.casefold()]
            if len(exact) == 1:
                return exact[0]
            raise CellError(f"{what} ambigu « {name} » : plusieurs portent ce nom, écrivez-le exactement.")
        if not candidates:
            raise CellError(f"{what} inconnu « {name} ».")
        return candidates[0]

    return parse


def field_length(model, name: str) -> int:
    """The longest text the database stores in this field: the limit of its cells too."""
    return model._meta.get_field(name).max_length

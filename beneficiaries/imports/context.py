"""What the planners of the files share: the files, the plan they fill, the
coordinator's decisions, today's date, the user accounts, and the reading of
each file's header and rows."""

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from core.enums import Role
from core.roles import users_with_role
from core.spreadsheets import StreamedSheet, UnreadableFile, open_sheet

from .cells import CellError, parse_text
from .formats import COLUMNS, FILE_LABELS, LIST_SEPARATOR, REQUIRED_COLUMNS
from .plan import Decisions, ImportPlan, ImportSource
from .progress import ImportProgress

# Rows looked up in the database per query.
QUERY_CHUNK = 5000


def chunks(items: Iterable, size: int = QUERY_CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def raw_ref(record: list, index: int) -> str:
    """The ref of a row even when its cell is invalid (empty then), to point at it."""
    try:
        return parse_text(record[index]) if index < len(record) else ""
    except CellError:
        return ""


class PlanContext:
    def __init__(
        self,
        sources: dict[str, ImportSource],
        *,
        lock: bool,
        decisions: Decisions | None = None,
        progress: ImportProgress | None = None,
    ):
        self.sources = sources
        self.progress = progress or ImportProgress()
        # Lock the stored persons that would be updated (for a real import).
        self.lock = lock
        self.decisions = decisions or Decisions()
        self.plan = ImportPlan(files={kind: source.name for kind, source in sources.items()})
        self.today = timezone.localdate()
        # Every ref of the persons file, valid row or not: visits may point to them.
        self.file_refs: set[str] = set()
        # Refs of anonymised files: all of them, and those stored before this import.
        self.anonymised_refs: set[str] = set()
        self.stored_anonymised: set[str] = set()
        self._users: dict[str, int] | None = None
        self._folded: dict[str, list[int]] = {}
        self._counsellors: frozenset[int] | None = None

    def user_pks(self, text: str) -> list[int]:
        """The accounts named in a cell: login names separated by |, any case when that is unambiguous."""
        if self._users is None:
            self._users, self._folded = {}, {}
            for pk, username in get_user_model().objects.values_list("pk", "username"):
                self._users[username] = pk
                self._folded.setdefault(username.casefold(), []).append(pk)
        pks, unknown = [], []
        for name in (part.strip() for part in text.split(LIST_SEPARATOR)):
            folded = self._folded.get(name.casefold(), [])
            pk = self._users.get(name, folded[0] if len(folded) == 1 else None)
            if pk is not None:
                pks.append(pk)
            elif name:
                unknown.append(f"« {name} »")
        if unknown:
            raise CellError(
                f"Compte inconnu {', '.join(unknown)} : "
                "indiquez l'identifiant de connexion d'un compte existant."
            )
        return pks

    def counsellor_pks(self) -> frozenset[int]:
        """The accounts that may be a file's referent: active counsellors."""
        if self._counsellors is None:
            self._counsellors = frozenset(users_with_role(Role.CONSEILLER).values_list("pk", flat=True))
        return self._counsellors

    def free_text_problem(self, kind: str, line: int, ref: str, texts: dict[str, str]) -> bool:
        """For a row of an anonymised file: a problem for each free text given
        (`texts`: column -> text); True when there is one."""
        found = False
        if ref in self.anonymised_refs:
            for column, text in texts.items():
                if text:
                    self.problem(kind, line, column, "Dossier anonymisé : ce texte libre doit rester vide.")
                    found = True
        return found

    def anonymised_problem(self, kind: str, line: int, ref: str, *, new: bool) -> bool:
        """A row that would add to (`new`) or change a file anonymised before this import:
        a problem, and True."""
        if ref not in self.stored_anonymised:
            return False
        what = "rien ne peut lui être ajouté" if new else "ses données ne peuvent pas être modifiées"
        self.problem(kind, line, "ref", f"Le dossier « {ref} » est anonymisé : {what}.")
        return True

    def problem(self, kind: str, line: int | None, column: str, message: str) -> None:
        self.plan.add_problem(kind, line, column, message)

    def stored_pk(self, ref: str) -> int | None:
        return self.plan.person_pks.get(ref)

    def read(self, kind: str) -> tuple[StreamedSheet, dict[str, int]] | None:
        """The file's sheet (its rows read as they are iterated) and the index of each
        known column, None when unusable."""
        try:
            sheet = open_sheet(self.sources[kind].data)
        except UnreadableFile as error:
            self.problem(kind, None, "", str(error))
            return None
        columns: dict[str, int] = {}
        for index, name in enumerate(sheet.header):
            name = name.strip().lstrip("\ufeff").lower()
            if name in COLUMNS[kind]:
                if name in columns:
                    self.problem(kind, 1, name, "Colonne en double : gardez-en une seule.")
                columns[name] = index
        missing = [name for name in REQUIRED_COLUMNS[kind] if name not in columns]
        for name in missing:
            expected = ", ".join(COLUMNS[kind])
            self.problem(
                kind,
                1,
                name,
                f"Colonne obligatoire absente. La première ligne du fichier des {FILE_LABELS[kind]} "
                f"doit porter les noms des colonnes : {expected}.",
            )
        if missing:
            return None
        return sheet, columns

    def parsed_rows(
        self, kind: str, sheet: StreamedSheet, columns: dict[str, int], parsers: dict[str, Callable]
    ) -> Iterator[tuple[int, list, dict[str, Any] | None]]:
        """Each row's line, cells and parsed values by column (None for a row with a problem).

        A file that turns out unreadable past its first rows (too long, a broken quote)
        is a problem of its own, and its reading stops there.
        """
        try:
            yield from self._parsed_rows(kind, sheet, columns, parsers)
        except UnreadableFile as error:
            self.problem(kind, None, "", str(error))
        self.progress.read(kind, sheet.last_line)

    def _parsed_rows(
        self, kind: str, sheet: StreamedSheet, columns: dict[str, int], parsers: dict[str, Callable]
    ) -> Iterator[tuple[int, list, dict[str, Any] | None]]:
        for line, record in sheet.rows:
            self.progress.read(kind, line)
            values: dict[str, Any] = {}
            valid = True
            for name, index in columns.items():
                raw = record[index] if index < len(record) else ""
                try:
                    values[name] = parsers[name](raw)
                except CellError as error:
                    self.problem(kind, line, name, str(error))
                    valid = False
            yield line, record, (values if valid else None)

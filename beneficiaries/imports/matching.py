"""Who the rows of the persons file are: a stored file, or a new one.

A row is the file with its `ref`; without a ref, the one file with the same
normalised names (the search key) and birth date, whose names it then leaves
as they are. A row that matches no file
but looks like stored files (same normalised names, in either order, or same
phone) is a likely duplicate: the coordinator decides whether it is one of
them or a new person (`Decisions`), and until then nothing is written — the
import never creates a twin silently. Anonymised files are never looked like,
never changed, and an import never anonymises a file.
"""

import datetime
from collections import defaultdict

from django.utils import timezone

from core.params import ascii_int

from ..enums import Sex
from ..models import Beneficiary
from ..normalise import search_key
from .context import PlanContext, chunks
from .formats import PERSONS
from .plan import NEW_PERSON, Candidate, LikelyDuplicate, PersonRow

# Labels of the person fields, for the preview of updates.
PERSON_FIELD_LABELS = {
    "last_name": "nom",
    "first_name": "prénom",
    "sex": "sexe",
    "birth_date": "date de naissance",
    "quarter_id": "quartier",
    "phone": "téléphone",
    "email": "courriel",
    "france_travail": "France Travail",
    "rsa": "RSA",
    "rqth": "RQTH",
    "qualification_level": "niveau de qualification",
    "notice_given_on": "date de remise de la notice",
    "referent_id": "référent·e",
}


def anonymised_at(day: datetime.date) -> datetime.datetime:
    """The moment an imported anonymisation date stands for: midnight, Paris time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class Lookalikes:
    """Stored, identified files sharing a search key (either order of the names)
    or a phone number with some rows: a few queries per 5,000 rows."""

    def __init__(self, rows: list[PersonRow]):
        keys, phones = set(), set()
        for row in rows:
            keys.add(search_key(row.values["last_name"], row.values["first_name"]))
            keys.add(search_key(row.values["first_name"], row.values["last_name"]))
            if row.values.get("phone"):
                phones.add(row.values["phone"])
        self.by_key: dict[str, list[Beneficiary]] = defaultdict(list)
        self.by_phone: dict[str, list[Beneficiary]] = defaultdict(list)
        found: dict[int, Beneficiary] = {}
        files = Beneficiary.objects.identified().with_last_visit()
        for field, values in (("search_key", keys), ("phone", phones)):
            for chunk in chunks(values):
                found.update((person.pk, person) for person in files.filter(**{f"{field}__in": chunk}))
        for person in found.values():
            self.by_key[person.search_key].append(person)
            if person.phone:
                self.by_phone[person.phone].append(person)

    def exact(self, row: PersonRow) -> list[Beneficiary]:
        """The files with the row's normalised names and birth date (the row has no ref)."""
        birth_date = row.values.get("birth_date")
        if birth_date is None:
            return []
        key = search_key(row.values["last_name"], row.values["first_name"])
        return [person for person in self.by_key[key] if person.birth_date == birth_date]

    def candidates(self, row: PersonRow) -> list[Candidate]:
        values = row.values
        key = search_key(values["last_name"], values["first_name"])
        swapped = search_key(values["first_name"], values["last_name"])
        phone = values.get("phone", "")
        people = {p.pk: p for p in [*self.by_key[key], *self.by_key[swapped], *self.by_phone.get(phone, [])]}
        listed = []
        for person in people.values():
            reasons = []
            if person.search_key == key:
                reasons.append("mêmes nom et prénom")
            elif person.search_key == swapped:
                reasons.append("nom et prénom inversés")
            if person.birth_date and person.birth_date == values.get("birth_date"):
                reasons.append("même date de naissance")
            if phone and person.phone == phone:
                reasons.append("même téléphone")
            listed.append(
                Candidate(
                    pk=person.pk,
                    ref=person.ref,
                    last_name=person.last_name,
                    first_name=person.first_name,
                    birth_date=person.birth_date,
                    phone=person.phone,
                    last_visit=person.last_visit,
                    reasons=", ".join(reasons),
                )
            )
        # The files sharing the most with the row first.
        return sorted(listed, key=lambda c: (-c.reasons.count(","), c.ref))


def compare_persons(context: PlanContext, rows: list[PersonRow]) -> None:
    """Find who each row is, then plan new files and the fields of stored ones that the file changes."""
    by_ref = _stored_by_ref(context, [row.ref for row in rows if row.ref])
    targets: list[tuple[PersonRow, Beneficiary | int | None]] = []
    unmatched = [row for row in rows if row.ref not in by_ref]
    lookalikes = Lookalikes([row for row in unmatched if not row.anonymised]) if unmatched else None
    for row in rows:
        if row.ref in by_ref:
            targets.append((row, by_ref[row.ref]))
        elif row.anonymised:
            targets.append((row, None))
        else:
            targets.append((row, _resolve(context, row, lookalikes)))
    chosen = _fetch(context, {target for _, target in targets if isinstance(target, int)})
    matched: dict[int, int] = {}
    for row, target in targets:
        person = chosen[target] if isinstance(target, int) else target
        if person is None:
            _create(context, row)
        elif person.pk in matched:
            context.problem(
                PERSONS,
                row.line,
                "ref",
                f"Cette ligne et la ligne {matched[person.pk]} désignent le même dossier ({person.ref}).",
            )
        else:
            matched[person.pk] = row.line
            _compare(context, row, person, by_ref=row.ref in by_ref)
    if context.decisions.strict:
        _check_choices(context)


def _check_choices(context: PlanContext) -> None:
    """A choice typed for a line that is no likely duplicate, or naming another file, is refused."""
    listed = {entry.line: entry for entry in context.plan.likely_duplicates}
    for line, choice in sorted(context.decisions.choices.items()):
        entry = listed.get(line)
        if entry is None:
            context.problem(
                PERSONS,
                line,
                "",
                "Cette ligne n'est pas un doublon probable : aucun choix à donner pour elle.",
            )
        elif choice != NEW_PERSON and entry.decision != ascii_int(choice):
            refs = ", ".join(candidate.ref for candidate in entry.candidates)
            context.problem(
                PERSONS,
                line,
                "",
                f"Le dossier choisi n'est pas parmi les doublons probables de cette ligne : {refs}.",
            )


def _stored_by_ref(context: PlanContext, refs: list[str]) -> dict[str, Beneficiary]:
    stored: dict[str, Beneficiary] = {}
    for chunk in chunks(refs):
        query = Beneficiary.objects.filter(ref__in=chunk)
        if context.lock:
            query = query.select_for_update()
        stored.update((person.ref, person) for person in query)
    return stored


def _resolve(context: PlanContext, row: PersonRow, lookalikes: Lookalikes) -> int | None:
    """The pk of the stored file a row without a known ref is, or None for a new file."""
    exact = [] if row.ref else lookalikes.exact(row)
    if len(exact) == 1:
        return exact[0].pk
    candidates = lookalikes.candidates(row)
    if not candidates:
        return None
    values = row.values
    entry = LikelyDuplicate(
        line=row.line,
        ref=row.ref,
        last_name=values["last_name"],
        first_name=values["first_name"],
        birth_date=values.get("birth_date"),
        phone=values.get("phone", ""),
        candidates=candidates,
    )
    context.plan.likely_duplicates.append(entry)
    decision = context.decisions.of(row.line)
    if decision == NEW_PERSON:
        entry.decision = NEW_PERSON
    elif decision is not None and ascii_int(decision) in {c.pk for c in candidates}:
        entry.decision = ascii_int(decision)
        return entry.decision
    # Not decided yet: counted as a new person, and nothing is written until it is.
    return None


def _fetch(context: PlanContext, pks: set[int]) -> dict[int, Beneficiary]:
    query = Beneficiary.objects.filter(pk__in=pks)
    if context.lock:
        query = query.select_for_update()
    return {person.pk: person for person in query} if pks else {}


def _create(context: PlanContext, row: PersonRow) -> None:
    if row.anonymised and row.ref:
        context.anonymised_refs.add(row.ref)
    values = {"sex": Sex.NOT_STATED, **row.values}
    day = values.pop("anonymised_on", None)
    context.plan.new_persons.append(
        Beneficiary(ref=row.ref, anonymised_at=anonymised_at(day) if day else None, **values)
    )
    context.plan.persons.created += 1


def _compare(context: PlanContext, row: PersonRow, person: Beneficiary, *, by_ref: bool) -> None:
    """Plan the changes of a stored file. A row found by names and birth date, or by the
    coordinator's decision, leaves the file's names as they are (they may differ in
    accents and case, or be the row's own spelling of them)."""
    plan = context.plan
    if row.ref:
        plan.person_pks[row.ref] = person.pk
    values = dict(row.values)
    if not by_ref:
        values.pop("last_name")
        values.pop("first_name")
    day = values.pop("anonymised_on", None)
    changed = {name for name, value in values.items() if getattr(person, name) != value}
    if person.anonymised_at is not None:
        if row.ref:
            context.stored_anonymised.add(row.ref)
            context.anonymised_refs.add(row.ref)
        stored_day = timezone.localdate(person.anonymised_at)
        if "anonymised_on" in row.values and day is None:
            context.problem(
                PERSONS,
                row.line,
                "anonymised_on",
                f"Le dossier « {person.ref} » est anonymisé : l'import ne peut pas lui rendre une identité.",
            )
        elif changed or (day is not None and day != stored_day):
            context.problem(
                PERSONS,
                row.line,
                "ref",
                f"Le dossier « {person.ref} » est anonymisé : il ne peut pas être modifié.",
            )
        plan.persons.unchanged += 1
        return
    if day is not None:
        context.problem(
            PERSONS,
            row.line,
            "anonymised_on",
            f"L'import n'anonymise pas un dossier existant ({person.ref}) : utilisez « Anonymiser » "
            "sur la page du dossier, ou videz cette cellule.",
        )
        return
    if not changed:
        plan.persons.unchanged += 1
        return
    for name in changed:
        setattr(person, name, values[name])
    plan.person_updates[person.pk] = (person, changed)
    plan.persons.updated += 1
    labels = [label for name, label in PERSON_FIELD_LABELS.items() if name in changed]
    plan.add_change(PERSONS, row.line, person.ref, ", ".join(labels))

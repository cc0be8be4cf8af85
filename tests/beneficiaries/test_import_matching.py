"""Who the persons of an import are: by ref; without one, by normalised names and
birth date; and a person who only looks like a stored file (same normalised
names, or same phone) waits for the coordinator's decision — in the preview,
or on the command line. The import never creates a twin silently."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from audit.enums import AuditAction
from audit.models import AuditEntry
from beneficiaries.enums import AnonymisationReason, Sex
from beneficiaries.imports import FILE_LABELS, NEW_PERSON, Decisions
from beneficiaries.models import Beneficiary, ImportUpload, Visit
from beneficiaries.services import beneficiary_anonymise

from ..factories import make_permanence, make_person, make_visit
from .files import csv_bytes, page_text, run_import, visit

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
HEADER = ["ref", "last_name", "first_name", "birth_date", "phone"]


@pytest.fixture
def elodie(venue):
    return make_person(
        "Martin", "Élodie", ref="2023-00001", birth_date=D("1990-03-04"), phone="06 12 34 56 78"
    )


def persons(*rows, header=HEADER) -> bytes:
    return csv_bytes(header, list(rows))


def test_a_file_without_ref_finds_persons_by_names_and_birth_date(elodie, today):
    moussa = make_person("Diallo", "Moussa", ref="2023-00002", sex=Sex.MALE, birth_date=D("1985-05-04"))
    data = persons(
        ["MARTIN", "Elodie", "04/03/1990", "F"],  # accents and case apart, the same names
        ["Diallo", "Moussa", "1985-05-04", "M"],
        ["Nguyen", "Thao", "1999-01-01", ""],
        header=["last_name", "first_name", "birth_date", "sex"],
    )
    plan = run_import(beneficiaries=data)
    assert plan.ok, plan.problems
    assert not plan.likely_duplicates
    assert (plan.persons.created, plan.persons.updated, plan.persons.unchanged) == (1, 0, 2)
    assert Beneficiary.objects.count() == 3
    elodie.refresh_from_db()
    assert (elodie.last_name, elodie.first_name) == ("Martin", "Élodie")  # its own spelling stays
    new = Beneficiary.objects.exclude(pk__in=[elodie.pk, moussa.pk]).get()
    assert (new.last_name, new.ref) == ("Nguyen", f"{today.year}-00001")  # the next ref of the year
    # The other columns of a file found by names are the truth, as with a ref.
    data = persons(["Martin", "Elodie", "1990-03-04", "07 00 00 00 00"], header=HEADER[1:])
    plan = run_import(beneficiaries=data)
    assert [change.what for change in plan.changes] == ["téléphone"]
    elodie.refresh_from_db()
    assert elodie.phone == "07 00 00 00 00" and elodie.version == 2


def test_a_person_who_looks_like_a_stored_file_waits_for_a_decision(elodie):
    data = persons(
        ["X-1", "Martin", "Elodie", "1991-01-01", ""],  # same names, another birth date
        ["X-2", "Durand", "Paul", "1990-03-04", "0612345678"],  # same phone and birth date
        ["X-3", "Élodie", "Martin", "", ""],  # names the other way round
    )
    visits = [visit("X-2", date="2024-01-08")]
    plan = run_import(beneficiaries=data, visits=visits)
    assert plan.ok and not plan.ready and plan.has_changes
    assert [(row.line, [c.ref for c in row.candidates]) for row in plan.undecided] == [
        (2, ["2023-00001"]),
        (3, ["2023-00001"]),
        (4, ["2023-00001"]),
    ]
    reasons = [row.candidates[0].reasons for row in plan.likely_duplicates]
    assert reasons == [
        "mêmes nom et prénom",
        "même date de naissance, même téléphone",
        "nom et prénom inversés",
    ]
    assert Beneficiary.objects.count() == 1 and not Visit.objects.exists()  # nothing written

    # Line 2 is another person, line 3 is Élodie's file, line 4 is left without a choice.
    choices = {2: NEW_PERSON, 3: str(elodie.pk)}
    assert not run_import(beneficiaries=data, visits=visits, decisions=Decisions(choices)).ready
    plan = run_import(beneficiaries=data, visits=visits, decisions=Decisions({**choices, 4: NEW_PERSON}))
    assert plan.ready, plan.problems
    assert (plan.persons.created, plan.persons.unchanged) == (2, 1)
    assert set(Beneficiary.objects.values_list("ref", flat=True)) == {"2023-00001", "X-1", "X-3"}
    # The row's ref leads its visits to the chosen file, which keeps its names and ref.
    assert Visit.objects.get().beneficiary == elodie
    elodie.refresh_from_db()
    assert (elodie.ref, elodie.last_name, elodie.first_name) == ("2023-00001", "Martin", "Élodie")


def test_create_anyway_and_the_same_file_chosen_twice(elodie):
    data = persons(["X-1", "Martin", "Elodie", "", ""], ["X-2", "Martin", "Élodie", "", ""])
    assert run_import(beneficiaries=data, decisions=Decisions(create_anyway=True)).ready
    assert Beneficiary.objects.count() == 3
    Beneficiary.objects.exclude(pk=elodie.pk).delete()
    same = Decisions({2: str(elodie.pk), 3: str(elodie.pk)})
    [problem] = run_import(beneficiaries=data, decisions=same).problems
    assert (problem.line, problem.message) == (
        3,
        "Cette ligne et la ligne 2 désignent le même dossier (2023-00001).",
    )
    # A choice that is not one of the row's files is no choice.
    assert not run_import(beneficiaries=data, decisions=Decisions({2: "999999", 3: NEW_PERSON})).ready


def test_anonymised_files_are_never_lookalikes(elodie, coordinator):
    beneficiary_anonymise(beneficiary=elodie, reason=AnonymisationReason.ERASURE_REQUEST, user=coordinator)
    plan = run_import(beneficiaries=persons(["X-1", "Martin", "Élodie", "1990-03-04", "06 12 34 56 78"]))
    assert plan.ready and plan.persons.created == 1


# --- the preview page ------------------------------------------------------------------


def upload(client, **files):
    data = {"token": str(uuid.uuid4())}
    for kind, content in files.items():
        data[kind] = SimpleUploadedFile(f"{kind}.csv", content, content_type="text/csv")
    return client.post(reverse("beneficiaries:import"), data)


def test_the_preview_asks_who_each_lookalike_is(client, coordinator, elodie):
    client.force_login(coordinator)
    url = upload(client, beneficiaries=persons(["X-1", "Martin", "Elodie", "1991-01-01", ""])).url
    preview = client.get(url)
    text = page_text(preview)
    assert preview.status_code == 200
    assert "1 personne du fichier ressemble à des dossiers existants" in text
    assert "Ligne 2 (référence X-1) : MARTIN Elodie, né·e le 01/01/1991" in text
    assert "Une autre personne : créer un nouveau dossier" in text
    assert (
        "La même personne que le dossier 2023-00001 : MARTIN Élodie, né·e le 04/03/1990, 06 12 34 56 78 "
        "(mêmes nom et prénom)" in text
    )
    assert "Revoir l'aperçu avec ces choix" in text
    assert " checked" not in preview.content.decode()  # nothing chosen in advance
    # Showing stored files is a read of them: recorded by their number, no name.
    read = AuditEntry.objects.filter(action=AuditAction.LIST).latest("pk")
    assert (
        read.detail == "aperçu d'import, dossiers ressemblants : 1 dossier affiché"
        and read.user == coordinator
    )

    # Confirmed without a choice: refused, nothing written.
    refused = client.post(url, {"action": "confirmer"})
    assert refused.status_code == 400
    assert "Ligne 2 du fichier des personnes : choisissez « une autre personne » ou le dossier" in page_text(
        refused
    )
    assert Beneficiary.objects.count() == 1

    # Crafted choices (other digits, in the line or the file's id): no choice made, never a 500.
    for crafted in ({"choix-²": str(elodie.pk)}, {"choix-2": "²"}, {"choix-2": "١"}):
        response = client.post(url, {"action": "confirmer", **crafted})
        assert response.status_code == 400 and "choisissez « une autre personne »" in page_text(response)
    assert Beneficiary.objects.count() == 1

    # Previewed again with a choice: Élodie's file, which the row would change; the choice stays checked.
    again = client.post(url, {"action": "apercu", "choix-2": str(elodie.pk)})
    assert again.status_code == 200
    assert "Personnes 0 1 0" in page_text(again)
    assert "Dossier 2023-00001 (beneficiaries.csv, ligne 2) : date de naissance" in page_text(again)
    assert f'value="{elodie.pk}" class="form-check-input" id="id_choix-2_1" checked' in again.content.decode()

    done = client.post(url, {"action": "confirmer", "choix-2": NEW_PERSON})
    assert done.status_code == 302
    assert Beneficiary.objects.filter(ref="X-1").exists()
    assert not ImportUpload.objects.exists()


def test_a_lookalikes_label_gives_its_last_visit(client, coordinator, elodie, venue):
    make_visit(elodie, make_permanence(venue, D("2024-01-08")))
    client.force_login(coordinator)
    url = upload(client, beneficiaries=persons(["X-1", "Martin", "Elodie", "", ""])).url
    assert (
        "La même personne que le dossier 2023-00001 : MARTIN Élodie, né·e le 04/03/1990, 06 12 34 56 78, "
        "dernier rendez-vous le 08/01/2024 (mêmes nom et prénom)" in page_text(client.get(url))
    )


def test_the_preview_can_create_them_all_anyway(client, coordinator, elodie):
    client.force_login(coordinator)
    data = persons(["X-1", "Martin", "Elodie", "", ""], ["X-2", "Élodie", "Martin", "", ""])
    url = upload(client, beneficiaries=data).url
    done = client.post(url, {"action": "confirmer", "create_anyway": "on"})
    assert done.status_code == 302
    assert Beneficiary.objects.count() == 3


# --- the command ----------------------------------------------------------------------------


def test_the_command_lists_lookalikes_and_takes_decisions(tmp_path, elodie):
    path = tmp_path / "personnes.csv"
    path.write_bytes(
        persons(["X-1", "Martin", "Elodie", "", ""], ["X-2", "Durand", "Paul", "", "06 12 34 56 78"])
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"2 personne\(s\) ressemblent à des dossiers existants"):
        call_command("import_activity", beneficiaries=str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "personnes.csv, ligne 2 : ressemble au dossier 2023-00001 (mêmes nom et prénom)",
        "personnes.csv, ligne 3 : ressemble au dossier 2023-00001 (même téléphone)",
    ]
    assert Beneficiary.objects.count() == 1
    out = io.StringIO()
    call_command(
        "import_activity", beneficiaries=str(path), same_person=["2=2023-00001"], new_person=[3], stdout=out
    )
    assert "Import terminé." in out.getvalue()
    assert set(Beneficiary.objects.values_list("ref", flat=True)) == {"2023-00001", "X-2"}
    with pytest.raises(CommandError, match="écrivez LIGNE=REF"):
        call_command("import_activity", beneficiaries=str(path), same_person=["2=Z-9"])


def test_the_command_can_create_them_all_anyway(tmp_path, elodie):
    path = tmp_path / "personnes.csv"
    path.write_bytes(
        persons(["X-1", "Martin", "Elodie", "", ""], ["X-2", "Durand", "Paul", "", "06 12 34 56 78"])
    )
    out = io.StringIO()
    call_command("import_activity", beneficiaries=str(path), create_anyway=True, stdout=out)
    assert "Import terminé." in out.getvalue()
    assert set(Beneficiary.objects.values_list("ref", flat=True)) == {"2023-00001", "X-1", "X-2"}


def test_the_command_help_names_every_file_it_reads():
    from beneficiaries.management.commands.import_activity import Command

    parser = Command().create_parser("manage.py", "import_activity")
    file_options = [action.dest for action in parser._actions if action.metavar == "FICHIER"]
    assert {"beneficiaries", "workshops", "registrations"} <= set(file_options)
    help_text = Command.help.split(" depuis ")[0]
    for dest in file_options:
        assert f"des {FILE_LABELS[dest]}" in help_text, dest


def refused(path, **choices) -> list[str]:
    """The problems the command prints when it refuses the choices (and nothing is written)."""
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 problème\(s\) : rien n'a été importé"):
        call_command("import_activity", beneficiaries=str(path), stdout=io.StringIO(), stderr=err, **choices)
    assert set(Beneficiary.objects.values_list("ref", flat=True)) == {"2023-00001", "2023-00002"}
    return err.getvalue().splitlines()


def test_the_command_refuses_a_choice_the_preview_did_not_ask_for(tmp_path, elodie):
    make_person("Durand", "Zoé", ref="2023-00002", phone="07 00 00 00 01")
    path = tmp_path / "personnes.csv"
    path.write_bytes(
        persons(["X-1", "Martin", "Elodie", "", ""], ["X-2", "Bernard", "Paul", "", "06 99 99 99 99"])
    )
    not_a_lookalike = (
        "personnes.csv, ligne 3 : Cette ligne n'est pas un doublon probable : aucun choix à donner pour elle."
    )
    assert refused(path, new_person=[2], same_person=["3=2023-00001"]) == [not_a_lookalike]
    assert refused(path, new_person=[2, 3]) == [not_a_lookalike]
    assert refused(path, new_person=[2, 9]) == [not_a_lookalike.replace("ligne 3", "ligne 9")]
    assert refused(path, same_person=["2=2023-00002"]) == [
        "personnes.csv, ligne 2 : Le dossier choisi n'est pas parmi les doublons probables "
        "de cette ligne : 2023-00001."
    ]
    with pytest.raises(CommandError, match="indiquez-le avec --beneficiaries"):
        call_command("import_activity", visits=str(path), new_person=[2])
    out = io.StringIO()
    call_command("import_activity", beneficiaries=str(path), new_person=[2], stdout=out)
    assert "Import terminé." in out.getvalue()
    assert Beneficiary.objects.filter(ref__in=["X-1", "X-2"]).count() == 2

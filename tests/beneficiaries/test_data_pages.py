"""Coordination's data pages: import (upload, preview, confirm), export,
duplicates and merge. Other roles get 403; hostile files a French message."""

import datetime
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from beneficiaries.enums import ExportContent, Sex
from beneficiaries.models import (
    Beneficiary,
    BeneficiaryMerge,
    DistinctPair,
    ImportUpload,
    NominativeExport,
    Visit,
)
from core.enums import Role

from ..factories import make_permanence, make_person, make_user, make_visit
from ..sheets import read_sheet
from .files import PERSON_HEADER, VISIT_HEADER, csv_bytes, page_text, person, row_counts, visit

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


def upload(client, **files):
    """POST the import form; files: kind=bytes."""
    data = {"token": str(uuid.uuid4())}
    for kind, content in files.items():
        data[kind] = SimpleUploadedFile(f"{kind}.csv", content, content_type="text/csv")
    return client.post(reverse("beneficiaries:import"), data)


def good_files():
    return {
        "beneficiaries": csv_bytes(PERSON_HEADER, [person(), person("A-2", "Diallo", "Moussa", sex="M")]),
        "visits": csv_bytes(VISIT_HEADER, [visit(), visit("A-2")]),
    }


@pytest.fixture
def pair(venue):
    first = make_person("Martin", "Élodie", ref="2024-00001", birth_date=D("1990-03-04"))
    second = make_person("Martin", "Elodie", ref="2024-00002", birth_date=D("1990-03-04"))
    make_visit(first, make_permanence(venue, D("2024-01-08")))
    return first, second


# --- who may ------------------------------------------------------------------


def data_urls(pk=None):
    merge_args = [1, 2]
    return [
        ("get", reverse("beneficiaries:data")),
        ("get", reverse("beneficiaries:import")),
        ("post", reverse("beneficiaries:import")),
        ("get", reverse("beneficiaries:import_preview", args=[pk or uuid.uuid4()])),
        ("post", reverse("beneficiaries:import_preview", args=[pk or uuid.uuid4()])),
        ("post", reverse("beneficiaries:export")),
        ("get", reverse("beneficiaries:duplicates")),
        ("get", reverse("beneficiaries:merge", args=merge_args)),
        ("post", reverse("beneficiaries:merge", args=merge_args)),
        ("post", reverse("beneficiaries:distinct_pair", args=merge_args)),
    ]


@pytest.mark.parametrize("role", ["counsellor", "city", "outsider"])
def test_other_roles_get_403_on_every_data_page(client, request, role, coordinator, pair):
    pending = ImportUpload.objects.create(id=uuid.uuid4(), user=coordinator)
    client.force_login(request.getfixturevalue(role))
    for method, url in data_urls(pending.pk):
        response = getattr(client, method)(url, {"content": ExportContent.ALL, "action": "confirmer"})
        assert response.status_code == 403, (method, url)
    assert not NominativeExport.objects.exists()
    assert ImportUpload.objects.filter(pk=pending.pk).exists()


def test_anonymous_visitors_are_sent_to_login(client):
    for method, url in data_urls():
        response = getattr(client, method)(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


def test_only_coordination_sees_the_data_link(client, coordinator, counsellor):
    client.force_login(coordinator)
    assert reverse("beneficiaries:data") in client.get(reverse("beneficiaries:list")).content.decode()
    client.force_login(counsellor)
    assert reverse("beneficiaries:data") not in client.get(reverse("beneficiaries:list")).content.decode()


# --- import: upload, preview, confirm -----------------------------------------


def test_upload_then_preview_then_confirm(client, coordinator, venue):
    client.force_login(coordinator)
    assert client.get(reverse("beneficiaries:import")).status_code == 200
    response = upload(client, **good_files())
    pending = ImportUpload.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("beneficiaries:import_preview", args=[pending.pk])

    preview = client.get(response.url)
    text = page_text(preview)
    assert preview.status_code == 200
    assert "Aucun problème : voici ce que l'import ferait" in text
    assert "Personnes 2 0 0 Rendez-vous 2 0 0 Orientations 0 0 0 Sorties 0 0 0 Permanences 1 0 0" in text
    assert "Confirmer l'import" in text
    assert set(row_counts().values()) == {0}  # nothing written before the confirmation

    done = client.post(response.url, {"action": "confirmer"})
    assert done.status_code == 302 and done.url == reverse("beneficiaries:data")
    assert set(Beneficiary.objects.values_list("ref", flat=True)) == {"A-1", "A-2"}
    assert Visit.objects.count() == 2
    assert not ImportUpload.objects.exists()  # the uploaded files are gone
    data_page = page_text(client.get(done.url))
    # The flash of an import done within the request (the tests' backend), and the line of
    # the last job, which the page shows however the import ran (by the worker in production).
    assert "Import terminé — personnes : 2 créé(s), 0 modifié(s), rendez-vous : 2 créé(s)" in data_page
    assert re.search(
        r"Import du \d\d/\d\d/\d{4} à \d\d:\d\d réussi : personnes : 2 créé\(s\), 0 modifié\(s\)", data_page
    )
    assert client.get(response.url).status_code == 404  # the files are gone, and their preview

    # A second click on "Confirmer" imports nothing more.
    again = client.post(response.url, {"action": "confirmer"})
    assert again.status_code == 302
    assert Beneficiary.objects.count() == 2 and Visit.objects.count() == 2


def test_a_preview_with_problems_lists_them_and_cannot_be_confirmed(client, coordinator, venue):
    client.force_login(coordinator)
    files = good_files()
    files["visits"] = csv_bytes(VISIT_HEADER, [visit(), visit("A-2", venue="Nulle part")])
    preview_url = upload(client, **files).url
    preview = client.get(preview_url)
    text = page_text(preview)
    assert preview.status_code == 400
    assert "1 problème : rien ne sera importé." in text
    assert "Fichier Ligne Colonne Problème visits.csv 3 venue Lieu d'accueil inconnu « Nulle part »." in text
    assert "Confirmer" not in text
    refused = client.post(preview_url, {"action": "confirmer"})
    assert refused.status_code == 400
    assert "Lieu d'accueil inconnu" in page_text(refused)
    assert set(row_counts().values()) == {0}


def test_an_import_refused_at_the_confirmation_says_so_on_both_pages(client, coordinator, venue):
    client.force_login(coordinator)
    preview_url = upload(client, **good_files()).url
    assert client.get(preview_url).status_code == 200
    # Meanwhile, a colleague creates a file that looks like the first person of the files.
    make_person("Martin", "Élodie", ref="2023-00001", birth_date=D("1990-03-04"))
    refused = client.post(preview_url, {"action": "confirmer"})
    assert refused.status_code == 400
    message = "Import refusé : 1 personne(s) ressemblent à des dossiers existants"
    assert message in page_text(refused)
    assert message in page_text(client.get(reverse("beneficiaries:data")))
    assert message in page_text(client.get(preview_url))
    assert Beneficiary.objects.count() == 1 and not Visit.objects.exists()  # nothing written
    assert ImportUpload.objects.exists()


def test_cancel_deletes_the_uploaded_files(client, coordinator, venue):
    client.force_login(coordinator)
    preview_url = upload(client, **good_files()).url
    response = client.post(preview_url, {"action": "annuler"})
    assert response.status_code == 302 and response.url == reverse("beneficiaries:import")
    assert not ImportUpload.objects.exists()
    assert client.get(preview_url).status_code == 404


def test_an_upload_belongs_to_its_user_and_expires(client, coordinator, django_user_model, venue):
    client.force_login(coordinator)
    preview_url = upload(client, **good_files()).url
    colleague = make_user(django_user_model, "dora", Role.COORDINATION)
    client.force_login(colleague)
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url, {"action": "confirmer"}).status_code == 404
    client.force_login(coordinator)
    ImportUpload.objects.update(created_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    assert client.get(preview_url).status_code == 404
    # Expired uploads, and the user's previous one, go at the next upload.
    upload(client, **good_files())
    assert ImportUpload.objects.count() == 1
    upload(client, **good_files())
    assert ImportUpload.objects.count() == 1


def test_the_import_form_needs_a_file(client, coordinator):
    client.force_login(coordinator)
    response = upload(client)
    assert response.status_code == 400
    assert "Choisissez au moins un fichier" in page_text(response)


# --- hostile files --------------------------------------------------------------


def test_a_10_mb_file_is_refused_in_french(client, coordinator):
    client.force_login(coordinator)
    header = b"ref,last_name,first_name\n"
    big = header + b"x" * (10 * 1024 * 1024 - len(header))
    response = upload(client, beneficiaries=big)
    assert response.status_code == 400
    assert "Fichier trop volumineux (10,0 Mo) : 5,0 Mo au plus." in page_text(response)
    assert not ImportUpload.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (bytes(range(256)) * 100, "Fichier illisible : il contient des caractères nuls"),
        (b"ref,last_name,first_name\nA-1,Mar\x00tin,E\n", "caractères nuls"),
        (b"PK\x03\x04" + b"\x00\xff" * 500, "Classeur XLSX illisible"),
        (b"ref,last_name,first_name\nA-1,=cmd|' /C calc'!A0,E\n", "Formule de tableur refusée"),
        (b"\xff\xfe" + "ref,last_name\n".encode("utf-16-le"), "caractères nuls"),
    ],
)
def test_hostile_files_get_a_french_problem_never_a_500(client, coordinator, content, message):
    client.force_login(coordinator)
    preview_url = upload(client, beneficiaries=content).url
    response = client.get(preview_url)
    assert response.status_code == 400
    assert message in page_text(response)
    assert client.post(preview_url, {"action": "confirmer"}).status_code == 400
    assert not Beneficiary.objects.exists()


# --- export -----------------------------------------------------------------------


def test_the_export_downloads_a_csv_and_records_it(client, coordinator, pair, today):
    client.force_login(coordinator)
    page = client.get(reverse("beneficiaries:data"))
    assert "Exporter : rendez-vous" in page.content.decode()
    response = client.post(reverse("beneficiaries:export"), {"content": ExportContent.BENEFICIARIES})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="personnes-{today.isoformat()}.csv"'
    assert response["Cache-Control"] == "no-store"
    assert (
        response.content.decode("utf-8-sig")
        .splitlines()[1]
        .startswith("2024-00001;Martin;Élodie;F;1990-03-04")
    )
    record = NominativeExport.objects.get()
    assert (record.exported_by, record.content, record.rows) == (coordinator, ExportContent.BENEFICIARIES, 2)
    assert "Personnes (2 lignes)" in page_text(client.get(reverse("beneficiaries:data")))


def test_the_export_can_be_a_workbook(client, coordinator, pair, today):
    client.force_login(coordinator)
    assert "Classeur Excel (XLSX)" in page_text(client.get(reverse("beneficiaries:data")))
    response = client.post(
        reverse("beneficiaries:export"), {"content": ExportContent.SESSIONS, "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == f'attachment; filename="permanences-{today.isoformat()}.xlsx"'
    sheet = read_sheet(response.content)
    assert sheet.header[:4] == ["venue", "date", "start_time", "end_time"]
    assert sheet.rows[0][1][:4] == ["Centre social Grand Air", "2024-01-08", "09:30", "12:30"]
    assert NominativeExport.objects.get().content == ExportContent.SESSIONS


def test_an_unknown_export_is_refused(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("beneficiaries:export"), {"content": "passwords"})
    assert response.status_code == 302
    assert not NominativeExport.objects.exists()


# --- duplicates and merge -----------------------------------------------------


def test_the_duplicates_page_lists_likely_pairs_in_constant_queries(
    client, coordinator, django_assert_num_queries
):
    make_person("Nguyen", "Thao", ref="A-1", birth_date=D("1990-03-04"), phone="06 00 00 00 01")
    make_person("NGUYEN", "Thảo", ref="A-2", birth_date=D("1990-03-04"), phone="06 00 00 00 02")
    make_person("Martin", "Léa", ref="B-1", birth_date=D("1985-01-02"), phone="06 00 00 00 03")
    make_person("Martin", "Lea", ref="B-2", birth_date=D("1985-01-02"), phone="06 00 00 00 03")
    make_person("Diallo", "Awa", ref="C-1", birth_date=D("1991-01-01"), phone="07 00 00 00 00")
    make_person("Dialo", "Awa", ref="C-2", birth_date=D("1980-01-01"), phone="07 00 00 00 00")
    make_person("Dupont", "Léa", ref="D-1", birth_date=D("1990-03-04"))  # same date, other names
    client.force_login(coordinator)
    # session, user, user's groups, the pairs, the persons of the page, the
    # audit entry of the list shown
    with django_assert_num_queries(6):
        response = client.get(reverse("beneficiaries:duplicates"))
    text = page_text(response)
    assert response.status_code == 200
    assert "3 paires de dossiers." in text
    assert text.count("Mêmes nom et prénom, même date de naissance et même téléphone.") == 1
    assert text.count("Mêmes nom et prénom, même date de naissance.") == 1
    assert text.count("Noms proches, même téléphone.") == 1
    assert "D-1" not in text


def test_the_demo_style_twin_is_found_whatever_the_accents(client, coordinator, pair):
    client.force_login(coordinator)
    html = client.get(reverse("beneficiaries:duplicates")).content.decode()
    first, second = pair
    assert reverse("beneficiaries:merge", args=[first.pk, second.pk]) in html


def test_two_files_can_be_compared_by_reference(client, coordinator, pair):
    client.force_login(coordinator)
    first, second = pair
    response = client.get(reverse("beneficiaries:duplicates"), {"first": second.ref, "second": first.ref})
    assert response.status_code == 302
    assert response.url == reverse("beneficiaries:merge", args=[second.pk, first.pk])
    response = client.get(reverse("beneficiaries:duplicates"), {"first": "Z-1", "second": first.ref})
    assert response.status_code == 400
    assert "Aucun dossier ne porte la référence « Z-1 »." in page_text(response)


def test_the_merge_page_compares_then_merges(client, coordinator, pair):
    client.force_login(coordinator)
    kept, removed = pair
    Beneficiary.objects.filter(pk=removed.pk).update(phone="06 12 34 56 78")
    url = reverse("beneficiaries:merge", args=[kept.pk, removed.pk])
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Fusionner les dossiers 2024-00001 et 2024-00002" in html
    assert '06 12 34 56 78 <span class="badge text-bg-info">complété</span>' in html
    token = page.context["form"]["token"].value()
    fields = {"token": token, "kept_version": 1, "removed_version": 1}
    unchecked = client.post(url, fields)
    assert unchecked.status_code == 400
    assert "Cochez la case" in page_text(unchecked)
    done = client.post(url, {**fields, "confirm": "on"})
    assert done.status_code == 302 and done.url == reverse("beneficiaries:detail", args=[kept.pk])
    assert not Beneficiary.objects.filter(pk=removed.pk).exists()
    assert Beneficiary.objects.get(pk=kept.pk).phone == "06 12 34 56 78"
    assert BeneficiaryMerge.objects.get().removed_ref == "2024-00002"
    # The same form sent again: nothing more happens, back to the kept file.
    again = client.post(url, {**fields, "confirm": "on"})
    assert again.status_code == 302
    assert BeneficiaryMerge.objects.count() == 1


def test_a_merge_of_a_file_changed_meanwhile_is_refused(client, coordinator, pair):
    client.force_login(coordinator)
    kept, removed = pair
    url = reverse("beneficiaries:merge", args=[kept.pk, removed.pk])
    token = client.get(url).context["form"]["token"].value()
    Beneficiary.objects.filter(pk=removed.pk).update(version=2, sex=Sex.MALE)
    response = client.post(url, {"token": token, "kept_version": 1, "removed_version": 1, "confirm": "on"})
    assert response.status_code == 302 and response.url == url
    assert "modifié depuis l'affichage" in page_text(client.get(url))
    assert Beneficiary.objects.count() == 2


def test_the_data_page_lists_the_last_exports_and_merges_in_constant_queries(
    client, coordinator, counsellor, django_assert_num_queries
):
    for content, user in ((ExportContent.VISITS, coordinator), (ExportContent.ALL, counsellor)):
        NominativeExport.objects.create(content=content, rows=12, exported_by=user)
    for kept, removed in (("A-1", "A-2"), ("B-1", "B-2")):
        BeneficiaryMerge.objects.create(kept_ref=kept, removed_ref=removed, merged_by=coordinator)
    client.force_login(coordinator)
    # session, user, user's groups, exports with their users, merges with their users,
    # the user's last import job
    with django_assert_num_queries(6):
        response = client.get(reverse("beneficiaries:data"))
    text = page_text(response)
    assert "Rendez-vous (12 lignes) — Bob" in text
    assert "Tous les fichiers (zip) (12 lignes) — Alice" in text
    assert "dossier B-2 fusionné dans B-1 — Bob" in text


def test_the_data_page_shows_the_last_ten_exports(client, coordinator):
    for rows in range(1, 12):
        NominativeExport.objects.create(content=ExportContent.VISITS, rows=rows, exported_by=coordinator)
    client.force_login(coordinator)
    text = page_text(client.get(reverse("beneficiaries:data")))
    assert text.count("Rendez-vous (") == 10
    assert "Rendez-vous (11 lignes)" in text and "Rendez-vous (2 lignes)" in text
    assert "Rendez-vous (1 ligne)" not in text  # the oldest


def test_two_persons_checked_as_different_are_no_longer_listed(client, coordinator, pair):
    client.force_login(coordinator)
    first, second = pair
    merge_page = client.get(reverse("beneficiaries:merge", args=[second.pk, first.pk])).content.decode()
    url = reverse("beneficiaries:distinct_pair", args=[second.pk, first.pk])
    assert f'action="{url}"' in merge_page

    response = client.post(url)

    assert response.status_code == 302 and response.url == reverse("beneficiaries:duplicates")
    listing = client.get(response.url)
    assert "sont notés comme deux personnes différentes" in page_text(listing)
    assert reverse("beneficiaries:merge", args=[first.pk, second.pk]) not in listing.content.decode()
    assert "Aucun doublon probable." in page_text(listing)
    pair_row = DistinctPair.objects.get()
    assert (pair_row.first, pair_row.second, pair_row.decided_by) == (first, second, coordinator)
    entry = AuditEntry.objects.filter(detail__contains="pas un doublon").get()
    assert entry.file_ref == first.ref and "Martin" not in entry.detail
    # A second click (or another coordinator) changes nothing.
    assert client.post(url).status_code == 302
    assert DistinctPair.objects.count() == 1
    assert AuditEntry.objects.filter(detail__contains="pas un doublon").count() == 1
    # Still comparable by reference, and mergeable if they turn out to be one.
    compared = client.get(reverse("beneficiaries:duplicates"), {"first": first.ref, "second": second.ref})
    assert compared.status_code == 302


def test_a_pair_whose_file_is_gone_gets_a_message(client, coordinator, pair):
    client.force_login(coordinator)
    first, _ = pair
    response = client.post(reverse("beneficiaries:distinct_pair", args=[first.pk, 999_999]), follow=True)
    assert "Un des deux dossiers n'existe plus" in page_text(response)
    assert not DistinctPair.objects.exists()
    assert client.post(reverse("beneficiaries:distinct_pair", args=[first.pk, first.pk])).status_code == 404
    assert client.get(reverse("beneficiaries:distinct_pair", args=[first.pk, 1])).status_code == 405


def test_a_merge_removes_the_pairs_of_the_removed_file(coordinator, pair):
    from beneficiaries.data_services import beneficiary_merge, pair_mark_distinct

    first, second = pair
    third = make_person("Martin", "Élodie", ref="2024-00003", birth_date=D("1990-03-04"))
    pair_mark_distinct(first=third, second=second, user=coordinator)
    beneficiary_merge(kept=first, removed=second, user=coordinator)
    assert not DistinctPair.objects.exists()


@pytest.mark.parametrize(("changed", "more"), [(100, None), (101, "… et 1 autre."), (102, "… et 2 autres.")])
def test_the_preview_lists_the_first_hundred_changes_and_says_how_many_more(
    client, coordinator, changed, more
):
    Beneficiary.objects.bulk_create(
        Beneficiary(ref=f"C-{n:03d}", last_name="Martin", first_name="Élodie", sex=Sex.FEMALE)
        for n in range(changed)
    )
    rows = [
        person(f"C-{n:03d}", birth_date="", phone=f"06 00 00 {n // 100:02d} {n % 100:02d}")
        for n in range(changed)
    ]
    client.force_login(coordinator)
    preview = page_text(client.get(upload(client, beneficiaries=csv_bytes(PERSON_HEADER, rows)).url))
    assert preview.count("téléphone") >= 100 and "Dossier C-099 (" in preview
    assert "Dossier C-100 (" not in preview
    assert ("… et" in preview) is (more is not None)
    if more:
        assert more in preview

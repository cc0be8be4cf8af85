"""Previews and imports run in the background, by the real task worker
(`manage.py db_worker` in a process of its own, on the test database): the
request returns at once, the progress moves and ends at the totals, other
pages answer meanwhile, and a worker that dies leaves nothing written and a
job that does not block forever. (The other tests run tasks at once, in the
request: config/test_settings.py.)"""

import datetime
import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bench.imports import generate, to_csv
from beneficiaries.enums import ImportAction, ImportJobState
from beneficiaries.import_jobs import STALLED, import_job_run
from beneficiaries.models import Beneficiary, ImportJob, ImportUpload, Outcome, Visit
from core.enums import Role

from ..factories import make_user
from .files import PERSON_HEADER, csv_bytes, page_text, person, row_counts

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def database_url() -> str:
    database = django_settings.DATABASES["default"]
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}"
    )


class Worker:
    """`manage.py db_worker` with the production settings, on the test database."""

    def __init__(self, log: Path):
        self.log = log
        self.process = None

    def start(self) -> None:
        env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "config.settings"}
        command = [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay"]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [*command, "--no-reload"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def kill(self) -> None:
        """As the machine or the OOM killer would: no chance to clean up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def interrupt(self, signum: int, *, within: float) -> int:
        """As Ctrl-C (SIGINT) or `systemctl stop` (KillSignal=SIGTERM) would: the worker's exit code."""
        self.process.send_signal(signum)
        return self.process.wait(timeout=within)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker(reference_data, settings, tmp_path):
    settings.TASKS = DATABASE_TASKS
    worker = Worker(tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()


def upload(client, files: dict[str, bytes]):
    data = {"token": str(uuid.uuid4())}
    for kind, content in files.items():
        data[kind] = SimpleUploadedFile(f"{kind}.csv", content, content_type="text/csv")
    return client.post(reverse("beneficiaries:import"), data)


def follow_job(client, job: ImportJob, *, other_page: str, timeout: float = 300):
    """Watch a job until it ends: its progress as the database shows it, and the time
    another page and the job's own progress take to answer meanwhile."""
    samples, answers = [], []
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db()
        samples.append((job.rows_read, job.rows_compared, job.rows_to_write, job.rows_written))
        if job.finished:
            return samples, answers
        for url, headers in ((other_page, {}), (reverse("beneficiaries:import_job", args=[job.pk]), {})):
            started = time.perf_counter()
            response = client.get(url, headers={"HX-Request": "true"} if "suivi" in url else headers)
            answers.append((url, response.status_code, time.perf_counter() - started, response))
        assert time.monotonic() < deadline, f"job still {job.state} after {timeout} s: {samples[-1]}"
        time.sleep(0.3)


@pytest.mark.django_db(transaction=True)
def test_a_preview_then_an_import_of_100000_rows_run_in_the_background(
    worker, coordinator, venue, client, settings
):
    files = to_csv(generate(visits=83_334))  # 16,666 persons and 83,334 visits: 100,000 rows
    outcomes = len(files["outcomes"].splitlines()) - 1
    settings.IMPORT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # the visits file is 7 MB
    client.force_login(coordinator)
    other_page = reverse("beneficiaries:list")

    started = time.perf_counter()
    response = upload(client, files)
    upload_seconds = time.perf_counter() - started
    pending = ImportUpload.objects.get()
    assert response.status_code == 302 and pending.rows == 100_000 + outcomes
    job = ImportJob.objects.get()
    assert client.get(response.url).url == reverse("beneficiaries:import_job", args=[job.pk])
    page = client.get(reverse("beneficiaries:import_job", args=[job.pk]))
    assert "Aperçu de l'import en préparation" in page_text(page) and "hx-trigger" in page.content.decode()

    samples, answers = follow_job(client, job, other_page=other_page)
    preview_seconds = (job.finished_at - job.started_at).total_seconds()
    assert job.state == ImportJobState.DONE, job.message
    # The progress moved, and ended at the totals.
    assert any(0 < read < job.rows_total for read, *_ in samples), samples
    assert (job.rows_read, job.rows_compared, job.rows_total) == (pending.rows, pending.rows, pending.rows)
    assert all(
        status == 200 and seconds < max(2, preview_seconds / 10) for _, status, seconds, _ in answers
    ), [(url, status, seconds) for url, status, seconds, _ in answers]
    assert any("Lignes lues" in page_text(response) for *_, response in answers)
    preview = client.get(reverse("beneficiaries:import_preview", args=[pending.pk]))
    assert "Personnes 16666 0 0 Rendez-vous 83334 0 0" in page_text(preview)
    assert row_counts()["Beneficiary"] == 0

    started = time.perf_counter()
    response = client.post(
        reverse("beneficiaries:import_preview", args=[pending.pk]), {"action": "confirmer"}
    )
    confirm_seconds = time.perf_counter() - started
    job = ImportJob.objects.get(action=ImportAction.IMPORT)
    assert response.status_code == 302 and response.url == reverse("beneficiaries:import_job", args=[job.pk])
    samples, answers = follow_job(client, job, other_page=other_page)
    import_seconds = (job.finished_at - job.started_at).total_seconds()
    assert job.imported, job.message
    assert any(0 < written < to_write for _, _, to_write, written in samples), samples
    assert job.rows_to_write > 100_000 and job.rows_written == job.rows_to_write
    assert job.rows_read == job.rows_compared == job.rows_total == pending.rows
    # Other pages kept answering: each in a small part of the import's time (on a
    # loaded machine both slow down; a blocked page would wait for the whole import).
    assert all(
        status == 200 and seconds < max(2, import_seconds / 10) for _, status, seconds, _ in answers
    ), [(url, status, seconds) for url, status, seconds, _ in answers]
    assert (Beneficiary.objects.count(), Visit.objects.count()) == (16_666, 83_334)
    assert Outcome.objects.count() == outcomes
    assert not ImportUpload.objects.exists()
    assert ImportJob.objects.get() == job  # the preview, with its personal data, went with the files
    data_page = page_text(client.get(reverse("beneficiaries:data")))
    assert "réussi : personnes : 16666 créé(s), 0 modifié(s), rendez-vous : 83334 créé(s)" in data_page
    slowest = max(seconds for _, _, seconds, _ in answers)
    print(
        f"upload {upload_seconds:.2f} s, preview {preview_seconds:.1f} s, confirm request "
        f"{confirm_seconds:.2f} s, import {import_seconds:.1f} s, slowest other page {slowest:.2f} s"
    )


def confirmed_import_writing(client, coordinator, visits: int) -> ImportJob:
    """An import of `visits` generated visits, previewed and confirmed, once the worker writes its rows."""
    client.force_login(coordinator)
    response = upload(client, to_csv(generate(visits=visits)))
    follow_job(client, ImportJob.objects.get(), other_page=reverse("beneficiaries:data"))
    client.post(response.url, {"action": "confirmer"})
    job = ImportJob.objects.get(action=ImportAction.IMPORT)
    deadline = time.monotonic() + 120
    while not job.rows_written:
        assert time.monotonic() < deadline, f"import still {job.state}"
        time.sleep(0.1)
        job.refresh_from_db()
    return job


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_an_import_writes_nothing_and_blocks_nothing(
    worker, coordinator, venue, client, settings
):
    job = confirmed_import_writing(client, coordinator, visits=20_000)
    pending = ImportUpload.objects.get()
    preview_url = reverse("beneficiaries:import_preview", args=[pending.pk])
    worker.kill()
    assert row_counts()["Beneficiary"] == 0 and row_counts()["Visit"] == 0  # all or nothing
    job.refresh_from_db()
    assert job.state == ImportJobState.RUNNING and not job.finished
    # Its worker gone, the job is heard of no more: past STALE_AFTER it counts as failed.
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=3))
    page = client.get(reverse("beneficiaries:import_job", args=[job.pk]))
    assert page.status_code == 302 and page.url == reverse("beneficiaries:import_preview", args=[pending.pk])
    assert STALLED in page_text(client.get(page.url))
    assert STALLED in page_text(client.get(reverse("beneficiaries:data")))
    # A new worker; the files are previewed and imported again.
    worker.start()
    client.post(preview_url, {"action": "apercu"})
    follow_job(
        client, ImportJob.objects.get(state=ImportJobState.QUEUED), other_page=reverse("beneficiaries:data")
    )
    assert ImportJob.objects.get(pk=job.pk).state == ImportJobState.FAILED
    client.post(preview_url, {"action": "confirmer"})
    job = ImportJob.objects.filter(action=ImportAction.IMPORT).exclude(pk=job.pk).get()
    follow_job(client, job, other_page=reverse("beneficiaries:data"))
    assert job.imported and Visit.objects.count() == 20_000


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_finishes_the_import_under_way_then_exits(
    signum, worker, coordinator, venue, client
):
    # README, Production: "Ctrl-C ou SIGTERM : finit le travail en cours, puis s'arrête".
    job = confirmed_import_writing(client, coordinator, visits=20_000)
    assert 0 < job.rows_written < job.rows_to_write  # caught in the middle of its writing
    exit_code = worker.interrupt(signum, within=120)
    job.refresh_from_db()
    assert exit_code == 0, worker.log.read_text()
    assert job.imported and job.rows_written == job.rows_to_write, job.message
    assert Visit.objects.count() == 20_000


@pytest.mark.django_db
def test_a_job_waits_for_the_worker_then_can_be_cancelled(client, coordinator, settings):
    settings.TASKS = DATABASE_TASKS  # queued, and no worker runs
    client.force_login(coordinator)
    response = upload(client, {"beneficiaries": csv_bytes(PERSON_HEADER, [person()])})
    job = ImportJob.objects.get()
    assert job.state == ImportJobState.QUEUED and job.rows_total == 1
    page = client.get(reverse("beneficiaries:import_job", args=[job.pk]))
    assert "En attente du service de traitement" in page_text(page)
    ImportJob.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    page = client.get(reverse("beneficiaries:import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert "Le service de traitement n'a pas encore pris ce travail en charge" in page_text(page)
    assert "<html" not in page.content.decode()  # the progress alone, for htmx
    # Another preview waits for this one.
    again = client.post(response.url, {"action": "apercu"}, follow=True)
    assert "Un traitement de vos fichiers est déjà en cours" in page_text(again)
    cancelled = client.post(response.url, {"action": "annuler"})
    assert cancelled.status_code == 302
    assert not ImportUpload.objects.exists() and not ImportJob.objects.exists()


@pytest.mark.django_db
def test_a_finished_job_sends_htmx_to_its_result(client, coordinator):
    client.force_login(coordinator)
    response = upload(client, {"beneficiaries": csv_bytes(PERSON_HEADER, [person()])})
    job = ImportJob.objects.get()
    assert job.state == ImportJobState.DONE  # run at once by the tests' backend
    polled = client.get(reverse("beneficiaries:import_job", args=[job.pk]), headers={"HX-Request": "true"})
    assert polled.headers["HX-Redirect"] == response.url
    assert "L'aperçu de vos fichiers est prêt" in page_text(client.get(reverse("beneficiaries:data")))


@pytest.mark.django_db
def test_a_job_belongs_to_its_user(client, coordinator, django_user_model):
    client.force_login(coordinator)
    upload(client, {"beneficiaries": csv_bytes(PERSON_HEADER, [person()])})
    job = ImportJob.objects.get()
    client.force_login(make_user(django_user_model, "dora", Role.COORDINATION))
    assert client.get(reverse("beneficiaries:import_job", args=[job.pk])).status_code == 404


def _previewed(client, coordinator) -> ImportUpload:
    """An upload of one person, previewed (the tests' backend runs the preview at once)."""
    client.force_login(coordinator)
    upload(client, {"beneficiaries": csv_bytes(PERSON_HEADER, [person()])})
    assert ImportJob.objects.get().state == ImportJobState.DONE
    return ImportUpload.objects.get()


def running_import(user, pending: ImportUpload) -> ImportJob:
    """An import of `pending` that a live worker runs (it noted its progress just now)."""
    kind = {"action": ImportAction.IMPORT, "state": ImportJobState.RUNNING}
    return ImportJob.objects.create(user=user, upload_key=pending.pk, heartbeat_at=timezone.now(), **kind)


@pytest.mark.django_db
def test_a_confirmed_import_still_waiting_can_be_cancelled(client, coordinator, settings):
    pending = _previewed(client, coordinator)
    settings.TASKS = DATABASE_TASKS  # queued, and no worker runs
    preview_url = reverse("beneficiaries:import_preview", args=[pending.pk])
    response = client.post(preview_url, {"action": "confirmer"})
    job = ImportJob.objects.get(action=ImportAction.IMPORT)
    assert job.state == ImportJobState.QUEUED and response.url == reverse(
        "beneficiaries:import_job", args=[job.pk]
    )
    page = page_text(client.get(response.url))
    assert "Annuler et supprimer les fichiers déposés" in page
    cancelled = client.post(preview_url, {"action": "annuler"}, follow=True)
    assert "Import annulé : les fichiers déposés ont été supprimés." in page_text(cancelled)
    assert not ImportUpload.objects.exists() and not ImportJob.objects.exists()
    # A worker that comes later finds nothing to claim: nothing is written.
    import_job_run(str(job.pk))
    assert row_counts()["Beneficiary"] == 0


@pytest.mark.django_db
def test_an_import_the_worker_runs_cannot_be_cancelled(client, coordinator):
    pending = _previewed(client, coordinator)
    running_import(coordinator, pending)
    preview_url = reverse("beneficiaries:import_preview", args=[pending.pk])
    refused = client.post(preview_url, {"action": "annuler"}, follow=True)
    assert "L'import de ces fichiers est en cours : il ne peut plus être annulé." in page_text(refused)
    assert ImportUpload.objects.filter(pk=pending.pk).exists() and ImportJob.objects.count() == 2


@pytest.mark.django_db
def test_purge_imports_deletes_what_is_older_than_24_hours_but_a_running_job(
    client, coordinator, django_user_model
):
    old = _previewed(client, coordinator)
    day_ago = timezone.now() - datetime.timedelta(hours=25)
    ImportUpload.objects.update(created_at=day_ago)
    ImportJob.objects.update(created_at=day_ago)
    assert ImportJob.objects.get().result  # the preview: personal data of the files
    # Another user's upload of 25 hours ago, still being imported by a live worker, and a recent one.
    colleague = make_user(django_user_model, "dora", Role.COORDINATION)
    running = ImportUpload.objects.create(id=uuid.uuid4(), user=colleague)
    ImportUpload.objects.filter(pk=running.pk).update(created_at=day_ago)
    busy = running_import(colleague, running)
    ImportJob.objects.filter(pk=busy.pk).update(created_at=day_ago)
    recent = ImportUpload.objects.create(id=uuid.uuid4(), user=colleague)
    out = io.StringIO()
    call_command("purge_imports", stdout=out)  # no new upload needed
    assert (
        "1 dépôt(s) de fichiers et 1 traitement(s) d'import de plus de 24 heures supprimé(s)."
        in out.getvalue()
    )
    assert set(ImportUpload.objects.values_list("pk", flat=True)) == {running.pk, recent.pk}
    assert list(ImportJob.objects.all()) == [busy]
    assert not ImportUpload.objects.filter(pk=old.pk).exists()
    # Once its worker is dead (no news for two minutes), the job and its files go too.
    ImportJob.objects.update(heartbeat_at=timezone.now() - datetime.timedelta(minutes=3))
    call_command("purge_imports", stdout=io.StringIO())
    assert list(ImportUpload.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not ImportJob.objects.exists()

"""One-time tokens of create forms: consumed with the write they protect."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from core.models import FormSubmission
from core.submissions import AlreadySubmitted, submit_once
from permanences.models import Quarter

CRASH = """
import os, uuid, django
django.setup()
from django.contrib.auth import get_user_model
from core.submissions import submit_once
from permanences.models import Quarter

def create():
    Quarter.objects.create(name="Quartier à moitié créé")
    os._exit(9)  # the worker is killed before its transaction commits

submit_once(
    token=uuid.UUID({token!r}), user=get_user_model().objects.get(username="alice"),
    create=create, result_url=lambda quarter: "/", fallback="/",
)
"""


def database_url() -> str:
    database = settings.DATABASES["default"]
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_a_submission_whose_process_died_can_be_sent_again(reference_data, counsellor):
    token = uuid.uuid4()
    crashed = subprocess.run(
        [sys.executable, "-c", CRASH.format(token=str(token))],
        env={**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "config.test_settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert crashed.returncode == 9, crashed.stderr
    assert not FormSubmission.objects.filter(key=token).exists()
    assert not Quarter.objects.exists()
    # Sent again (the user reloads and confirms): it is done, once.
    quarter = submit_once(
        token=token,
        user=counsellor,
        create=lambda: Quarter.objects.create(name="Quartier créé"),
        result_url=lambda quarter: f"/quartiers/{quarter.pk}/",
        fallback="/",
    )
    with pytest.raises(AlreadySubmitted) as again:
        submit_once(token=token, user=counsellor, create=lambda: None, result_url=lambda _: "", fallback="/")
    assert again.value.url == f"/quartiers/{quarter.pk}/"
    assert Quarter.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_creation_leaves_the_token_usable(counsellor):
    token = uuid.uuid4()

    def fails():
        Quarter.objects.create(name="Refusé")
        raise ValueError("refusé")

    with pytest.raises(ValueError):
        submit_once(token=token, user=counsellor, create=fails, result_url=lambda _: "/", fallback="/")
    assert not FormSubmission.objects.exists() and not Quarter.objects.exists()
    submit_once(
        token=token,
        user=counsellor,
        create=lambda: Quarter.objects.create(name="Accepté"),
        result_url=lambda _: "/",
        fallback="/",
    )
    assert list(Quarter.objects.values_list("name", flat=True)) == ["Accepté"]

"""The council PDF of the demonstration's 2020, as the city downloads it."""

import io
import shutil
import subprocess

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.models import Beneficiary

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_client(demo_db, client):
    client.force_login(get_user_model().objects.get(username="ville"))
    return client


def test_the_city_pdf_of_2020_holds_the_published_headline(city_client, artefacts):
    response = city_client.get(reverse("reporting:export", args=["pdf"]), {"year": 2020})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bilan-2020-publie.pdf"'
    pdf = artefacts / "bilan-2020-ville.pdf"
    pdf.write_bytes(response.content)
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split()
    )

    assert "Chiffres publiés le" in text
    assert "201 personnes accompagnées, dont 62 % de femmes et 38 % d'hommes" in text
    assert "348 rendez-vous individuels" in text
    assert (
        "34 personnes ont trouvé un emploi ou une formation : 8 CDI, 8 CDD, "
        "12 contrats aidés ou d'apprentissage, 18 formations."
    ) in text
    persons = Beneficiary.objects.values_list("ref", "phone", "last_name", "first_name", "birth_date")
    for ref, phone, last_name, first_name, birth_date in persons:
        assert ref not in text
        assert not phone or phone not in text
        assert f"{last_name} {first_name}" not in text and f"{first_name} {last_name}" not in text
        assert not birth_date or f"{birth_date:%d/%m/%Y}" not in text

    # Page 1 as an image, to look at (test-artefacts/bilan-2020-ville-1.png).
    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is installed by scripts/system-deps.sh test"
    png = artefacts / "bilan-2020-ville"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, png], check=True
    )
    assert (artefacts / "bilan-2020-ville.png").stat().st_size > 10_000


def test_the_city_xlsx_of_2020_holds_no_identity(city_client):
    response = city_client.get(reverse("reporting:export", args=["xlsx"]), {"year": 2020})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    text = "\n".join(
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value
    )
    assert "Personnes accompagnées\n201" in text
    for ref, phone in Beneficiary.objects.values_list("ref", "phone"):
        assert ref not in text
        assert not phone or phone not in text

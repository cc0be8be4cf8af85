"""Anonymous requests to the public page, the feeds and the posters reveal no
personal data: scanned for every name, phone, e-mail and file reference of the
demo data, and for the counsellors' names (no demo venue publishes them)."""

import html
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pypdf import PdfReader

from beneficiaries.models import Beneficiary
from permanences.enums import PermanenceStatus
from permanences.models import Permanence, Venue

pytestmark = pytest.mark.django_db


def as_text(response) -> str:
    content_type = response["Content-Type"]
    if content_type == "application/pdf":
        reader = PdfReader(io.BytesIO(response.content))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    text = response.content.decode()
    if content_type.startswith("text/calendar"):
        # Unfold the 75-octet lines and undo the TEXT escapes of RFC 5545.
        text = text.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")
        return text
    return html.unescape(text)


@pytest.fixture
def personal_data(demo_db):
    """Every identifying string of the demo: persons and staff accounts."""
    people = list(Beneficiary.objects.values_list("last_name", "first_name", "phone", "email", "ref"))
    staff = list(get_user_model().objects.values_list("first_name", "last_name", "email"))
    assert len(people) > 200 and staff
    names = {name for p in people for name in p[:2]} | {name for s in staff for name in s[:2]}
    names.discard("")
    words = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")(?!\w)",
        re.IGNORECASE,
    )
    phones = {p[2] for p in people if p[2]}
    literals = phones | {phone.replace(" ", "") for phone in phones}
    literals |= {p[3] for p in people if p[3]} | {s[2] for s in staff if s[2]} | {p[4] for p in people}
    return words, literals


def public_urls():
    urls = [reverse("public:schedule"), reverse("public:feed")]
    for pk in Venue.objects.active().values_list("pk", flat=True):
        urls += [reverse("public:venue_feed", args=[pk]), reverse("public:venue_poster", args=[pk])]
    return urls


def test_no_personal_data_in_the_public_page_feeds_and_posters(client, personal_data):
    words, literals = personal_data
    urls = public_urls()
    assert len(urls) == 2 + 2 * Venue.objects.active().count() > 10
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = as_text(response)
        assert "Permanence" in text, url
        assert words.findall(text) == [], url
        assert [s for s in literals if s in text] == [], url
        assert "example.org" not in text and not re.search(r"06 ?39 ?98", text), url


def test_the_demo_schedule_shows_its_announced_closure(client, demo_db, today):
    closure = Permanence.objects.filter(
        status=PermanenceStatus.CANCELLED, date__gte=today, venue__is_active=True
    ).get()
    page = as_text(client.get(reverse("public:schedule")))
    assert closure.cancel_reason in page
    poster = as_text(client.get(reverse("public:venue_poster", args=[closure.venue_id])))
    assert closure.cancel_reason in " ".join(poster.split())
    for venue in Venue.objects.active():
        assert venue.name in page


def test_the_scan_finds_the_names_a_venue_chooses_to_publish(client, personal_data):
    """The scan above would see a leak: publishing the counsellors shows their names."""
    words, _ = personal_data
    Venue.objects.filter(slots__isnull=False).update(publish_counsellors=True)
    found = {w.lower() for w in words.findall(as_text(client.get(reverse("public:schedule"))))}
    assert {"camille", "démo-conseillère"} <= found

"""Every page a person uses (Django admin excluded), at a phone and a desktop
width: screenshots, no CSP or script error, one main landmark and one h1,
keyboard use with a visible focus, and no axe-core violation of impact serious
or critical (see a11y.py and the `check_page` fixture).

A new page is covered by one line in PAGES: (url name, kwargs, role). kwargs
may be a function of the `site` fixture's data, for a page about one object,
e.g. ("beneficiaries:detail", lambda site: {"pk": site.people[0].pk}, "counsellor").
role is a user fixture of tests/conftest.py, or None for an anonymous visitor.
"""

import pytest
from django.urls import reverse

from .conftest import browser

pytestmark = [pytest.mark.browser, browser]

PAGES = [
    ("login", {}, None),
    ("public:schedule", {}, None),
    ("public:schedule", {}, "counsellor"),
    ("home", {}, "outsider"),  # the page of an account without a role
    ("permanences:today", {}, "counsellor"),
    ("permanences:cancel", lambda site: {"pk": site.session.pk}, "counsellor"),
    ("permanences:upcoming", {}, "counsellor"),
    ("permanences:planning", {}, "coordinator"),
    ("permanences:planning_add", {}, "coordinator"),
    ("permanences:planning_edit", lambda site: {"pk": site.session.pk}, "coordinator"),
    ("permanences:planning_cancel", lambda site: {"pk": site.session.pk}, "coordinator"),
    ("beneficiaries:desk", lambda site: {"pk": site.session.pk}, "counsellor"),
    ("beneficiaries:search", {}, "counsellor"),
    ("beneficiaries:create", {}, "counsellor"),
    ("beneficiaries:detail", lambda site: {"pk": site.people[0].pk}, "counsellor"),
    ("beneficiaries:edit", lambda site: {"pk": site.people[0].pk}, "counsellor"),
    (
        "beneficiaries:visit_create",
        lambda site: {"pk": site.people[0].pk, "permanence_pk": site.session.pk},
        "counsellor",
    ),
    ("beneficiaries:outcome_create", lambda site: {"pk": site.people[0].pk}, "counsellor"),
    ("beneficiaries:followups", {}, "counsellor"),
    ("beneficiaries:list", {}, "coordinator"),
    ("beneficiaries:visits", {}, "counsellor"),
    ("beneficiaries:notice", {}, "counsellor"),
    ("beneficiaries:trail", lambda site: {"pk": site.people[0].pk}, "coordinator"),
    ("beneficiaries:anonymise", lambda site: {"pk": site.people[0].pk}, "coordinator"),
    ("beneficiaries:register", {}, "coordinator"),
    ("beneficiaries:data", {}, "coordinator"),
    ("beneficiaries:import", {}, "coordinator"),
    ("beneficiaries:duplicates", {}, "coordinator"),
    ("mfa_index", {}, "coordinator"),
    ("reporting:dashboard", {}, "coordinator"),
    ("reporting:dashboard", {}, "city"),
    ("reporting:quality", {}, "coordinator"),
]

# Error pages, reached through a page: (url name, kwargs, role, status).
ERROR_PAGES = [
    ("public:venue_poster", {"venue_pk": 999999}, None, 404),
    ("reporting:dashboard", {}, "counsellor", 403),
]

USERNAMES = {"counsellor": "alice", "coordinator": "bob", "city": "charlie", "outsider": "eve"}


def page_id(url_name, role):
    return f"{url_name.replace(':', '-')}-{role or 'anonymous'}"


def resolve(request, url_name, kwargs, role):
    if role is not None:
        request.getfixturevalue(role)
    site = request.getfixturevalue("site")
    return reverse(url_name, kwargs=kwargs(site) if callable(kwargs) else kwargs)


@pytest.mark.parametrize(
    ("url_name", "kwargs", "role"), PAGES, ids=[page_id(name, role) for name, _, role in PAGES]
)
def test_page_is_accessible_at_phone_and_desktop_widths(request, check_page, url_name, kwargs, role):
    path = resolve(request, url_name, kwargs, role)
    check_page(path, page_id(url_name, role), username=USERNAMES.get(role))


@pytest.mark.parametrize(
    ("url_name", "kwargs", "role", "status"),
    ERROR_PAGES,
    ids=[f"{status}-{page_id(name, role)}" for name, _, role, status in ERROR_PAGES],
)
def test_error_page_is_accessible(request, check_page, url_name, kwargs, role, status):
    path = resolve(request, url_name, kwargs, role)
    check_page(path, f"{status}-{page_id(url_name, role)}", username=USERNAMES.get(role), status=status)

import importlib

import pytest
from django.apps import apps

# The live server reads the database from its own thread: the data must be
# committed (transactional tests, the database is emptied after each one).
browser = pytest.mark.django_db(transaction=True)

# Data migrations whose rows (role groups, topics) the tests rely on. Django's
# serialized rollback would restore them, but Playwright's event loop hides the
# serialized copy from the test thread's connection, so they are replayed here.
REFERENCE_DATA = [
    ("permanences.migrations.0002_role_groups", "create_groups"),
    ("beneficiaries.migrations.0002_topics", "create_topics"),
]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def login(page, live_server):
    def _login(username, password):
        page.goto(f"{live_server.url}/connexion/")
        page.get_by_label("Nom d’utilisateur").fill(username)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        return page

    return _login

import pytest

# The live server reads the database from its own thread: the data must be
# committed (transactional tests, the database is emptied after each one).
browser = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    pass


@pytest.fixture
def login(page, live_server):
    def _login(username, password):
        page.goto(f"{live_server.url}/connexion/")
        page.get_by_label("Nom d’utilisateur").fill(username)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        return page

    return _login

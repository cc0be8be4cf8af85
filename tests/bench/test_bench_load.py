"""The load benchmark on a tiny dataset and very short steps: gunicorn starts,
users of the three roles log in (password and TOTP code) and work through the
real forms, without an error; the figures have their shape.

The real run (a million visits) is by hand: see docs/BENCHMARKS.md.
"""

import pytest
from django.urls import Resolver404, resolve

from bench.db import BenchmarkError
from bench.load_data import roles_for
from bench.load_pooled import worker_counts
from bench.load_users import KINDS
from bench.urls import BARE_PATH, EMPTY_PATH
from beneficiaries.models import Beneficiary, Outcome, Visit
from beneficiaries.normalise import search_key

from ..deploy.servers import require
from .conftest import bench_json

# gunicorn's workers read the database: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

# No step is the last for its latency: a shared machine may be slow, the figures' shape is what counts.
TINY = (
    "--persons 200 --visits 1000 --years 2 --users 1,6 --duration 2 --warmup 0.5 --workers 2"
    " --p95-limit 60000 --pooled-workers 0"
)
POOLED = (
    "--persons 200 --visits 1000 --years 2 --users 1 --duration 1 --warmup 0.5 --workers 1"
    " --p95-limit 60000 --pooled-workers 1,3 --pooled-duration 1.5"
)
COUNSELLOR_KINDS = {
    "today",
    "desk",
    "search",
    "file",
    "visit_form",
    "visit_post",
    "outcome_form",
    "outcome_post",
}
COORDINATION_KINDS = {"dashboard_year", "dashboard_venue", "quality", "person_list"}
CITY_KINDS = {"city_dashboard", "city_export"}


@pytest.fixture(autouse=True)
def _reference(reference_data):
    pass


def assert_timing(figures: dict) -> None:
    assert figures["count"] > 0 and figures["errors"] == 0
    assert 0 < figures["median_ms"] <= figures["p95_ms"]


def test_users_of_each_role_work_through_gunicorn_without_an_error():
    figures = bench_json("bench_load", *TINY.split())

    assert (figures["workers"], figures["duration_s"], figures["think_time_ms"]) == (2, 2, 0)
    assert figures["cpus"] >= 1 and figures["postgresql"] >= 15
    assert (figures["p95_limit_ms"], figures["target_ratio"]) == (60000, 0.3)
    dataset = figures["dataset"]
    assert (dataset["generated"]["persons"], dataset["generated"]["visits"]) == (200, 1000)
    assert dataset["persons"] == 200

    first, second = figures["steps"]
    assert (first["users"], first["roles"]) == (1, {"conseiller": 1})
    assert (second["users"], second["roles"]) == (6, {"conseiller": 4, "coordination": 1, "ville": 1})
    for step in figures["steps"]:
        assert_timing(step)
        assert step["rps"] > 0 and step["error_samples"] == [] and step["login_errors"] == []
        assert set(step["kinds"]) <= set(KINDS)
        for kind in step["kinds"].values():
            assert_timing(kind)
        # gunicorn's workers hold one connection each at most.
        assert 1 <= step["pg_connections"] <= 2
        assert 0 < step["client_cpu_share"] < 2
    assert set(first["kinds"]) <= COUNSELLOR_KINDS and "search" in first["kinds"]
    # Each kind's SQL statements, read from the server's request log by request id.
    for step in figures["steps"]:
        for kind in step["kinds"].values():
            assert kind["queries"] and all(n > 0 for n in kind["queries"])
    # The search (which finds the misspelt person every time) and the outcome form send as many SQL
    # statements with 6 users at once as with 1. (The visit form does too, but on 200 persons a
    # person already seen in the session comes back: their form is a redirect, with fewer.)
    for kind in ("search", "outcome_form"):
        assert len(first["kinds"][kind]["queries"]) == 1
        assert second["kinds"][kind]["queries"] == first["kinds"][kind]["queries"]
    assert set(second["kinds"]) & COORDINATION_KINDS and set(second["kinds"]) & CITY_KINDS
    # Six users logged in for the second step: the counsellor of the first was already.
    assert second["login"]["count"] > 0 and second["login"]["errors"] == 0

    assert len(figures["bare"]) == 2
    for bare in figures["bare"]:
        assert bare["concurrency"] == 4 and bare["errors"] == 0 and bare["rps"] > 0
    assert figures["bare_rps"] == max(bare["rps"] for bare in figures["bare"])
    # The empty page, requested by the browsers of the users logged in: all answered, none sent to log in.
    empty = figures["empty"]
    assert empty["concurrency"] == 4 and empty["count"] > 0 and empty["errors"] == 0 and empty["rps"] > 0
    assert figures["empty_ratio"] == pytest.approx(empty["rps"] / figures["bare_rps"])
    assert figures["ratio_to_empty"] == pytest.approx(second["rps"] / empty["rps"])
    assert figures["best_users"] == 6
    assert figures["ratio"] == pytest.approx(second["rps"] / figures["bare_rps"])

    # The visits and outcomes were recorded through the forms.
    assert Visit.objects.count() > 1000 and Outcome.objects.filter(employer="Entreprise fictive").exists()
    person = Beneficiary.objects.order_by("pk").first()
    assert person.search_key == search_key(person.last_name, person.first_name)


def test_the_second_part_counts_connections_without_and_with_pgbouncer():
    """The same users and workers straight to PostgreSQL, then through PgBouncer (the
    file of deploy/, DATABASE_POOLER=pgbouncer): the workers reach PgBouncer, which
    holds the PostgreSQL connections. That their number stays bounded while the
    workers grow is shown with 60 clients in tests/deploy/test_pgbouncer.py."""
    require("pgbouncer")
    figures = bench_json("bench_load", *POOLED.split())

    pooled = figures["pooled"]
    assert pooled["skipped"] is None
    assert [row["workers"] for row in pooled["steps"]] == [1, 3]
    for row in pooled["steps"]:
        assert row["users"] == row["workers"]
        direct, through = row["direct"], row["pgbouncer"]
        for step in (direct, through):
            assert step["rps"] > 0 and step["errors"] == 0 and step["login_errors"] == 0
            assert step["error_samples"] == []
        # Straight: one connection per busy worker at most; no pooler.
        assert 1 <= direct["pg_connections"] <= row["workers"] and direct["pooler_connections"] is None
        # Through PgBouncer: the workers hold connections to it, and it to PostgreSQL.
        assert 1 <= through["pooler_connections"] <= row["workers"]
        assert 1 <= through["pg_connections"] <= row["workers"]


def test_the_pooled_worker_counts_default_to_multiples_of_the_workers():
    assert worker_counts("", 5) == [5, 10, 20, 40]
    assert worker_counts("0", 5) == []
    assert worker_counts("2,4", 5) == [2, 4]
    for wrong in ("4,2", "a", "0,2", "2,2"):
        with pytest.raises(BenchmarkError):
            worker_counts(wrong, 5)


def test_the_users_roles_follow_the_mix_at_every_step():
    assert [roles_for(10).count(role) for role in ("conseiller", "coordination", "ville")] == [7, 2, 1]
    assert roles_for(64)[:4] == ["conseiller", "conseiller", "coordination", "conseiller"]


@pytest.mark.parametrize("path", [BARE_PATH, EMPTY_PATH])
def test_the_reference_views_are_not_among_the_project_urls(path):
    with pytest.raises(Resolver404):
        resolve(f"/{path}")


@pytest.mark.urls("bench.urls")
def test_the_empty_page_is_the_layout_for_logged_in_users(client, counsellor, django_assert_num_queries):
    path = f"/{EMPTY_PATH}"
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")

    client.force_login(counsellor)
    client.get(path)  # the first page also records the two-factor check in the session
    with django_assert_num_queries(3):  # the session, the user, their roles
        response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Page vide du banc d'essai" in page and "Se déconnecter" in page and "Ma permanence" in page

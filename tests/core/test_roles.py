import pytest
from django.contrib.auth.models import Group

from core import roles
from core.enums import Role
from permanences import perms as permanence_perms
from reporting import perms as reporting_perms

pytestmark = pytest.mark.django_db


def test_the_role_groups_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {"conseiller", "coordination", "ville"}
    assert set(Role.values) == {"conseiller", "coordination", "ville"}


# What each role may do, as the perms modules say it: (function, roles allowed).
MATRIX = [
    (permanence_perms.can_run_permanences, {"counsellor", "coordinator"}),
    (reporting_perms.can_view_dashboards, {"coordinator", "city"}),
    (reporting_perms.can_publish, {"coordinator"}),
    (roles.is_admin, {"admin_user"}),
]
CAST = ["counsellor", "coordinator", "city", "admin_user", "outsider"]


@pytest.mark.parametrize(("check", "allowed"), MATRIX, ids=lambda v: getattr(v, "__name__", ""))
def test_permissions_by_role(request, check, allowed):
    for name in CAST:
        user = request.getfixturevalue(name)
        assert check(user) is (name in allowed), (check.__name__, name)


def test_an_inactive_user_has_no_role(counsellor):
    counsellor.is_active = False
    assert roles.roles_of(counsellor) == frozenset()
    assert not permanence_perms.can_run_permanences(counsellor)


def test_roles_are_read_once_per_user_object(counsellor, django_assert_num_queries):
    with django_assert_num_queries(1):
        permanence_perms.can_run_permanences(counsellor)
        reporting_perms.can_view_dashboards(counsellor)
        roles.roles_of(counsellor)

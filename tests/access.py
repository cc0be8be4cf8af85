"""Who may open each page: one table, role × URL name × method.

The permission checks live in each app's `perms.py`; this table states the
result expected from them for every URL the project resolves, and is the data
of `tests/test_access_matrix.py`, which requests every URL as every role. A
URL without a row here fails that test.

For each row: the roles allowed, the methods tried, what a logged-in role
without the right receives (403; 404 for what it has not; the admin's login
for the admin), and how to build the URL's arguments from the test's sample
objects. Anonymous visitors without the right are sent to the login page.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from messaging.withdrawal import withdrawal_token

ANONYMOUS = "anonymous"
CONSEILLER = "conseiller"
COORDINATION = "coordination"
VILLE = "ville"
ADMIN = "admin"  # a staff account without any role group
ROLES = (ANONYMOUS, CONSEILLER, COORDINATION, VILLE, ADMIN)

EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {ANONYMOUS}
WORKERS = frozenset({CONSEILLER, COORDINATION})
# Referents of files, with a caseload of their own.
COUNSELLORS = frozenset({CONSEILLER})
COORDINATION_ONLY = frozenset({COORDINATION})
DASHBOARDS = frozenset({COORDINATION, VILLE})
ADMINS = frozenset({ADMIN})

GET = ("GET",)
GET_POST = ("GET", "POST")
POST = ("POST",)


# What a logged-in role without the right receives.
FORBIDDEN = frozenset({"403"})
NOT_FOUND = frozenset({"404"})
TO_ADMIN_LOGIN = frozenset({"admin-login"})


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    methods: tuple[str, ...] = GET
    denied: frozenset[str] = FORBIDDEN
    # URL arguments from the sample objects (tests/test_access_matrix.py).
    kwargs: Callable[[object], dict] = field(default=lambda sample: {})
    query: str = ""
    # What an allowed role may also receive: logging out ends on the login page.
    also_allowed: frozenset[str] = frozenset()


def person(sample):
    return {"pk": sample.person.pk}


def permanence(sample):
    return {"pk": sample.permanence.pk}


def workshop(sample):
    return {"pk": sample.workshop.pk}


ACCESS: dict[str, Rule] = {
    "home": Rule(LOGGED_IN),
    # Probes: no login, nothing personal (core/health.py).
    "healthz": Rule(EVERYONE),
    "readyz": Rule(EVERYONE),
    # Accounts (django-allauth).
    "login": Rule(EVERYONE, GET_POST),
    "account_login": Rule(EVERYONE, GET_POST),
    "logout": Rule(LOGGED_IN, GET_POST, also_allowed=frozenset({"login"})),
    "account_logout": Rule(LOGGED_IN, GET_POST, also_allowed=frozenset({"login"})),
    "account_inactive": Rule(EVERYONE),
    "account_signup": Rule(EVERYONE),
    "account_reset_password": Rule(EVERYONE),
    "account_reauthenticate": Rule(LOGGED_IN, GET_POST),
    "account_change_password": Rule(LOGGED_IN, GET_POST),
    "mfa_index": Rule(LOGGED_IN),
    # The code step of a login in progress; without one, back to the login page.
    "mfa_authenticate": Rule(LOGGED_IN, GET_POST),
    "mfa_reauthenticate": Rule(LOGGED_IN, GET_POST),
    "mfa_activate_totp": Rule(LOGGED_IN, GET_POST),
    # Only for an account that has an authenticator (the test's counsellor, coordination and admin).
    "mfa_deactivate_totp": Rule(WORKERS | ADMINS, GET_POST, denied=NOT_FOUND),
    "mfa_view_recovery_codes": Rule(WORKERS | ADMINS, denied=NOT_FOUND),
    "mfa_generate_recovery_codes": Rule(LOGGED_IN, GET_POST),
    "mfa_download_recovery_codes": Rule(WORKERS | ADMINS, denied=NOT_FOUND),
    # The public schedule of the drop-ins: no login, nothing personal.
    "public:schedule": Rule(EVERYONE),
    "public:feed": Rule(EVERYONE),
    "public:venue_feed": Rule(EVERYONE, kwargs=lambda s: {"venue_pk": s.venue.pk}),
    "public:venue_poster": Rule(EVERYONE, kwargs=lambda s: {"venue_pk": s.venue.pk}),
    # No login: the signed link of every e-mail (its token is the authority), and the
    # provider's delivery reports (the shared secret of the test settings).
    "messaging:withdraw": Rule(EVERYONE, GET_POST, kwargs=lambda s: {"token": withdrawal_token(s.person.pk)}),
    "messaging:brevo_report": Rule(EVERYONE, POST, query="?secret=test-webhook-secret"),
    # The counsellors' desk work.
    "permanences:today": Rule(WORKERS, GET_POST),
    "permanences:hold": Rule(WORKERS, POST, kwargs=permanence),
    "permanences:cancel": Rule(WORKERS, GET_POST, kwargs=permanence),
    # Counsellors see their own coming sessions; the city sees no planning (names).
    "permanences:upcoming": Rule(WORKERS),
    # The planning of the coming weeks: coordination only.
    "permanences:planning": Rule(COORDINATION_ONLY),
    "permanences:planning_generate": Rule(COORDINATION_ONLY, POST),
    "permanences:planning_add": Rule(COORDINATION_ONLY, GET_POST),
    "permanences:planning_edit": Rule(COORDINATION_ONLY, GET_POST, kwargs=permanence),
    "permanences:planning_cancel": Rule(COORDINATION_ONLY, GET_POST, kwargs=permanence),
    # One click from the data-quality panel: a past session left "planned".
    "permanences:close": Rule(COORDINATION_ONLY, POST, kwargs=permanence),
    "beneficiaries:list": Rule(WORKERS),
    "beneficiaries:search": Rule(WORKERS),
    "beneficiaries:create": Rule(WORKERS, GET_POST),
    "beneficiaries:notice": Rule(WORKERS),
    "beneficiaries:followups": Rule(WORKERS),
    "beneficiaries:visits": Rule(WORKERS),
    "beneficiaries:next_step_done": Rule(WORKERS, POST, kwargs=lambda s: {"pk": s.visit.pk}),
    "beneficiaries:referral_status": Rule(WORKERS, POST, kwargs=lambda s: {"pk": s.referral.pk}),
    "beneficiaries:desk": Rule(WORKERS, kwargs=permanence),
    "beneficiaries:detail": Rule(WORKERS, kwargs=person),
    "beneficiaries:edit": Rule(WORKERS, GET_POST, kwargs=person),
    "beneficiaries:notice_given": Rule(WORKERS, POST, kwargs=person),
    # Consent to messages, one click on the file.
    "beneficiaries:consent": Rule(WORKERS, POST, kwargs=person),
    "beneficiaries:visit_create": Rule(
        WORKERS, GET_POST, kwargs=lambda s: {"pk": s.person.pk, "permanence_pk": s.permanence.pk}
    ),
    "beneficiaries:outcome_create": Rule(WORKERS, GET_POST, kwargs=person),
    "beneficiaries:appointment_create": Rule(WORKERS, GET_POST, kwargs=person),
    "beneficiaries:appointment_cancel": Rule(WORKERS, POST, kwargs=lambda s: {"pk": s.appointment.pk}),
    # Corrections: the sample rows were recorded by the counsellor, within the window.
    "beneficiaries:outcome_edit": Rule(
        WORKERS, GET_POST, kwargs=lambda s: {"pk": s.person.pk, "outcome_pk": s.outcome.pk}
    ),
    "beneficiaries:outcome_delete": Rule(
        WORKERS, GET_POST, kwargs=lambda s: {"pk": s.person.pk, "outcome_pk": s.outcome.pk}
    ),
    "beneficiaries:visit_edit": Rule(WORKERS, GET_POST, kwargs=lambda s: {"pk": s.visit.pk}),
    "beneficiaries:visit_delete": Rule(WORKERS, GET_POST, kwargs=lambda s: {"pk": s.visit.pk}),
    "beneficiaries:referral_edit": Rule(WORKERS, GET_POST, kwargs=lambda s: {"pk": s.referral.pk}),
    "beneficiaries:referral_delete": Rule(WORKERS, GET_POST, kwargs=lambda s: {"pk": s.referral.pk}),
    "beneficiaries:referral_create": Rule(WORKERS, GET_POST, kwargs=person),
    # Caseloads: a counsellor's own, and taking a file as its referent.
    "beneficiaries:caseload": Rule(COUNSELLORS),
    "beneficiaries:referent_claim": Rule(COUNSELLORS, POST, kwargs=person),
    # Collective workshops: counsellors and coordination; the city sees the bilan's aggregates only.
    "beneficiaries:workshops": Rule(WORKERS),
    "beneficiaries:workshop_create": Rule(WORKERS, GET_POST),
    "beneficiaries:workshop": Rule(WORKERS, kwargs=workshop),
    "beneficiaries:workshop_edit": Rule(WORKERS, GET_POST, kwargs=workshop),
    "beneficiaries:workshop_attendance": Rule(WORKERS, POST, kwargs=workshop),
    "beneficiaries:workshop_register": Rule(WORKERS, POST),
    # The first role allowed takes the registration back; the next one finds it gone.
    "beneficiaries:workshop_unregister": Rule(
        WORKERS, POST, kwargs=lambda s: {"pk": s.registration.pk}, also_allowed=NOT_FOUND
    ),
    # Coordination: the trail of a file, RGPD requests, data in and out.
    "beneficiaries:register": Rule(COORDINATION_ONLY | ADMINS),
    "beneficiaries:trail": Rule(COORDINATION_ONLY, kwargs=person),
    "beneficiaries:anonymise": Rule(COORDINATION_ONLY, GET_POST, kwargs=person),
    "beneficiaries:access_document": Rule(COORDINATION_ONLY, kwargs=person),
    "beneficiaries:data": Rule(COORDINATION_ONLY),
    # Each counsellor's caseload, counts only, and moving files between them.
    "beneficiaries:caseloads": Rule(COORDINATION_ONLY),
    "beneficiaries:reassign": Rule(COORDINATION_ONLY, GET_POST, kwargs=lambda s: {"pk": s.counsellor.pk}),
    "beneficiaries:import": Rule(COORDINATION_ONLY, GET_POST),
    "beneficiaries:import_preview": Rule(COORDINATION_ONLY, GET_POST, kwargs=lambda s: {"pk": s.upload.pk}),
    "beneficiaries:import_job": Rule(COORDINATION_ONLY, kwargs=lambda s: {"pk": s.import_job.pk}),
    "beneficiaries:export": Rule(COORDINATION_ONLY, POST),
    "beneficiaries:duplicates": Rule(COORDINATION_ONLY),
    "beneficiaries:merge": Rule(
        COORDINATION_ONLY, GET_POST, kwargs=lambda s: {"pk": s.person.pk, "other_pk": s.twin.pk}
    ),
    "beneficiaries:distinct_pair": Rule(
        COORDINATION_ONLY, POST, kwargs=lambda s: {"pk": s.person.pk, "other_pk": s.twin.pk}
    ),
    # Messages to persons: a one-off message from the file; what was sent, with names (coordination).
    "messaging:compose": Rule(WORKERS, GET_POST, kwargs=person),
    "messaging:list": Rule(COORDINATION_ONLY),
    # The texts the messages are written from (nobody's data): coordination and the admins.
    "messaging:texts": Rule(COORDINATION_ONLY | ADMINS),
    "messaging:text_edit": Rule(COORDINATION_ONLY | ADMINS, GET_POST, kwargs=lambda s: {"pk": s.text.pk}),
    # Yearly figures: aggregates only.
    "reporting:dashboard": Rule(DASHBOARDS),
    "reporting:export": Rule(DASHBOARDS, kwargs=lambda s: {"fmt": "csv"}),
    "reporting:publish": Rule(COORDINATION_ONLY, GET_POST),
    "reporting:quality": Rule(COORDINATION_ONLY),
}

# The Django admin, every page of it: staff admins only; others are sent to
# its login, which refuses a logged-in account without staff status.
NAMESPACE_RULES: dict[str, Rule] = {
    "admin": Rule(ADMINS, denied=TO_ADMIN_LOGIN),
}
# The admin's own login: a logged-in account without staff status is refused.
ACCESS["admin:login"] = Rule(ADMINS)
# Logging out of the admin ends any session.
ACCESS["admin:logout"] = Rule(LOGGED_IN)
# "View on site": no case file has a public page.
ACCESS["admin:view_on_site"] = Rule(ADMINS, denied=TO_ADMIN_LOGIN, also_allowed=NOT_FOUND)
ACCESS["admin:autocomplete"] = Rule(
    ADMINS,
    denied=TO_ADMIN_LOGIN,
    query="?app_label=beneficiaries&model_name=visit&field_name=beneficiary&term=a",
)
# Read-only in the admin by design: the trail, the reference counter, the
# pairs checked on the duplicates page (deleted, not added, there), the
# background tasks' results, the lockout logs, the frozen publications, the one set of public texts.
for read_only in (
    "admin:audit_auditentry_add",
    "admin:audit_auditentry_delete",
    "admin:beneficiaries_refsequence_add",
    "admin:beneficiaries_refsequence_delete",
    "admin:beneficiaries_distinctpair_add",
    "admin:django_tasks_database_dbtaskresult_add",
    "admin:django_tasks_database_dbtaskresult_delete",
    "admin:axes_accessattempt_add",
    "admin:axes_accessfailurelog_add",
    "admin:axes_accesslog_add",
    "admin:permanences_publicinfo_delete",
    "admin:reporting_publishedbilan_delete",
    # The texts of the messages come from the migrations; the messages are the application's.
    "admin:messaging_messagetemplate_add",
    "admin:messaging_messagetemplate_delete",
    "admin:messaging_message_add",
    "admin:messaging_message_delete",
):
    ACCESS[read_only] = Rule(frozenset(), denied=FORBIDDEN | TO_ADMIN_LOGIN)


def rule_for(url_name: str) -> Rule | None:
    if url_name in ACCESS:
        return ACCESS[url_name]
    return NAMESPACE_RULES.get(url_name.split(":", 1)[0]) if ":" in url_name else None


def missing_rules(url_names) -> list[str]:
    """URL names with no row in the table: each one fails the build."""
    return sorted(name for name in url_names if rule_for(name) is None)

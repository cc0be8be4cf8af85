"""Reading the audit trail in tests."""

import importlib
import pkgutil

import audit.migrations
import messaging.migrations
from audit.enums import AuditAction
from audit.models import AuditEntry

# A person whose every identifying value and free text is distinctive enough
# to be searched for in every column of every entry.
LAST_NAME, FIRST_NAME = "Zyxwvut", "Qwertyuiop"
PHONE, EMAIL = "06 39 98 77 66", "zyxwvut.q@example.org"
NOTES, NEXT_STEP = "Notes confidentielles Kplmnbv", "Appeler Brzqwx"
DETAIL, EMPLOYER = "Structure Vwxqkj", "Boulangerie Jklmwq"
IDENTITY = (LAST_NAME, FIRST_NAME, PHONE, PHONE.replace(" ", ""), EMAIL, NOTES, NEXT_STEP, DETAIL, EMPLOYER)

TEXT_COLUMNS = ("username", "object_type", "object_id", "file_ref", "detail", "columns")


def assert_no_identity(*values: str) -> None:
    """No entry holds one of `values` (the person's names, contact, notes…) in any column."""
    for row in AuditEntry.objects.values_list(*TEXT_COLUMNS):
        text = " ".join(row).lower()
        for value in values or IDENTITY:
            assert value.lower() not in text, (value, row)


def entries_of(obj, action: AuditAction | None = None) -> list[AuditEntry]:
    """The entries of one row (a model instance), oldest first."""
    found = AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    if action is not None:
        found = found.filter(action=action)
    return list(found.order_by("pk"))


def only_entry(obj, action: AuditAction) -> AuditEntry:
    """The one entry of `action` on this row: there must be exactly one."""
    found = entries_of(obj, action)
    assert len(found) == 1, [(e.action, e.username, e.columns) for e in found]
    return found[0]


def columns(entry: AuditEntry) -> set[str]:
    return set(entry.columns.split(", ")) if entry.columns else set()


def who(entry: AuditEntry) -> tuple:
    return entry.user, entry.username


def audited_tables() -> list[tuple[str, str, str]]:
    """(table, label, how its rows name their file) of every audited table: those of
    0003_audit_triggers (`AUDITED`), those later audit migrations add (`TABLES`), and
    those an app above adds with its own tables (messaging)."""
    tables = []
    for package in (audit.migrations, messaging.migrations):
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda info: info.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            tables += [*getattr(module, "AUDITED", []), *getattr(module, "TABLES", [])]
    return tables

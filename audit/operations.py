"""A migration operation for the tables the audit triggers follow (migration 0003)."""

import importlib

from django.db.migrations.operations.base import Operation

_TRIGGERS = importlib.import_module("audit.migrations.0003_audit_triggers")


class KeepingSqliteTriggers(Operation):
    """Run `operations` on `table`, keeping every trigger of the table on SQLite.

    SQLite rebuilds a table for most changes (a new constraint, a dropped foreign
    key…): the table's triggers go with it, and the rebuild fails while a trigger
    of another table names it. Its audit triggers also compare only the columns
    the table had when they were created. So on SQLite every trigger that is on
    the table or names it is dropped before; after, those that are not the
    table's audit are created again as they were (the bilan's attendance, the
    anonymised files' guard, the audit of the rows of a file…), and the table's
    audit anew, from its columns then. PostgreSQL keeps its triggers through such
    changes, and its audit compares whatever columns there are: nothing to do.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, table: str, operations: list[Operation]):
        self.table = table
        self.operations = operations

    def deconstruct(self):
        return (self.__class__.__name__, [], {"table": self.table, "operations": self.operations})

    def describe(self):
        return f"Run {len(self.operations)} operation(s) on {self.table}, keeping its SQLite triggers"

    def state_forwards(self, app_label, state):
        for operation in self.operations:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        saved = self._saved(schema_editor)
        for operation in self.operations:
            after = from_state.clone()
            operation.state_forwards(app_label, after)
            operation.database_forwards(app_label, schema_editor, from_state, after)
            from_state = after
        self._restore(schema_editor, saved)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        saved = self._saved(schema_editor)
        states = [to_state]
        for operation in self.operations:
            state = states[-1].clone()
            operation.state_forwards(app_label, state)
            states.append(state)
        for index in reversed(range(len(self.operations))):
            self.operations[index].database_backwards(
                app_label, schema_editor, states[index + 1], states[index]
            )
        self._restore(schema_editor, saved)

    def _saved(self, schema_editor) -> list[tuple[str, str]]:
        if schema_editor.connection.vendor != "sqlite":
            return []
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND (tbl_name = %s OR instr(sql, %s) > 0) ORDER BY name",
                [self.table, self.table],
            )
            saved = cursor.fetchall()
        for name, _ in saved:
            schema_editor.execute(f"DROP TRIGGER {name}", params=None)
        return saved

    def _restore(self, schema_editor, saved: list[tuple[str, str]]) -> None:
        if schema_editor.connection.vendor != "sqlite":
            return
        audit = f"audit_{self.table}_"
        for name, sql in saved:
            if not name.startswith(audit):
                schema_editor.execute(sql, params=None)
        if any(table == self.table for table, _, _ in _TRIGGERS.AUDITED):
            _TRIGGERS.sqlite_create(schema_editor, only={self.table})

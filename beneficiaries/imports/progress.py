"""How far an import has gone: the planner and the writer count, a job's runner
reads the counts (from another thread) into its progress bar."""


class ImportProgress:
    """Rows read (data lines of the files, blank ones included), rows compared with the
    database, rows to write and written. Plain integers, written by one thread and
    read by another: each read sees a value that was true a moment ago."""

    def __init__(self) -> None:
        self.rows_read = 0
        self.rows_compared = 0
        self.rows_to_write = 0
        self.rows_written = 0
        self._lines: dict[str, int] = {}

    def read(self, kind: str, line: int) -> None:
        """The file of `kind` has been read up to `line` (1 = its header)."""
        done = max(line - 1, 0)
        self.rows_read += done - self._lines.get(kind, 0)
        self._lines[kind] = done

    def compared(self, rows: int) -> None:
        self.rows_compared = min(self.rows_compared + rows, self.rows_read)

    def all_compared(self) -> None:
        self.rows_compared = self.rows_read

    def writing(self, rows: int) -> None:
        self.rows_to_write, self.rows_written = rows, 0

    def wrote(self, rows: int) -> None:
        self.rows_written += rows

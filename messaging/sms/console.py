"""SMS printed on the standard output (the demo: `make run` shows them)."""

import sys
import uuid

from .base import SmsBackend


class ConsoleBackend(SmsBackend):
    def __init__(self, stream=None):
        self.stream = stream

    def send(self, *, to: str, text: str, unicode: bool) -> str:
        stream = self.stream or sys.stdout
        reference = f"console-{uuid.uuid4().hex[:12]}"
        stream.write(f"--- SMS à {to} ({reference})\n{text}\n---\n")
        stream.flush()
        return reference

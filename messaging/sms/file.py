"""SMS written to a file, one JSON line each (tests, staging, benchmarks): SMS_FILE_PATH."""

import datetime
import json
import os
import uuid
from pathlib import Path

from django.conf import settings

from .base import SmsBackend


class FileBackend(SmsBackend):
    def __init__(self, path: Path | str | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, text: str, unicode: bool) -> str:
        reference = f"file-{uuid.uuid4().hex[:12]}"
        line = json.dumps(
            {
                "reference": reference,
                "to": to,
                "text": text,
                "unicode": unicode,
                "at": datetime.datetime.now(datetime.UTC).isoformat(),
            },
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by its owner only: it holds first names and phone numbers.
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as stream:
            stream.write(line + "\n")
        return reference

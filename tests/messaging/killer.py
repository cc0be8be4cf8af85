"""An SMS backend for the worker test: the provider accepts the SMS (the line is
written), then the worker process is killed before it can record anything."""

import os
import signal

from messaging.sms.file import FileBackend


class KilledAfterSending(FileBackend):
    def send(self, *, to: str, text: str, unicode: bool) -> str:
        reference = super().send(to=to, text=text, unicode=unicode)
        os.kill(os.getpid(), signal.SIGKILL)
        return reference

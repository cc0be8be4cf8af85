"""What messaging does when the apps below it say something happened (their signals.py),
connected in MessagingConfig.ready(). Each runs inside the transaction of the change."""

from .services import (
    file_messages_anonymise,
    file_messages_move,
    permanence_cancellation_notify,
    workshop_cancellation_notify,
)


def on_permanence_cancelled(sender, permanence, **kwargs):
    permanence_cancellation_notify(permanence)


def on_workshop_cancelled(sender, workshop, **kwargs):
    workshop_cancellation_notify(workshop)


def on_file_anonymised(sender, beneficiary, **kwargs):
    file_messages_anonymise(beneficiary)


def on_files_merged(sender, kept, removed, **kwargs):
    file_messages_move(kept=kept, removed=removed)

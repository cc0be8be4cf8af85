"""What this app tells the apps above it, which it does not import (messaging/ listens).

Sent inside the transaction of the change: what a receiver writes (a message
queued or cancelled) is saved with the change, or not at all.
"""

from django.dispatch import Signal

# A workshop was cancelled (workshop_update): `workshop`, locked, already saved as cancelled.
workshop_cancelled = Signal()
# A file was anonymised (beneficiary_anonymise): `beneficiary`, already without identity.
file_anonymised = Signal()
# Two files were merged (beneficiary_merge): `kept` and `removed`, just before `removed` is deleted.
files_merged = Signal()

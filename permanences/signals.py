"""What this app tells the apps above it, which it does not import (messaging/ listens).

Sent inside the transaction of the change: what a receiver writes (a message
queued) is saved with the change, or not at all.
"""

from django.dispatch import Signal

# A session was cancelled (permanence_cancel): `permanence`, locked, already saved as cancelled.
permanence_cancelled = Signal()

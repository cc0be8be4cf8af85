"""What every app shares, in the admin.

The queue of background tasks (django-tasks-db registers it) is left out: a
preview or an import is followed, with its progress and its result, on the
data pages (`ImportJob`), and the worker's own log says why a task failed.
"""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

from audit.admin import ReadOnlyAdmin

__all__ = ["ReadOnlyAdmin"]

admin.site.unregister(DBTaskResult)

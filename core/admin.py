"""What every app shares, in the admin.

The queue of background tasks (django-tasks-db registers it) is left out: a
preview or an import is followed, with its progress and its result, on the
data pages (`ImportJob`), and the worker's own log says why a task failed.
"""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

admin.site.unregister(DBTaskResult)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown in the admin, never added, changed or deleted there (audit, below core, has its own)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

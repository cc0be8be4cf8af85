from django.contrib import admin

from .models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown in the admin, never added, changed or deleted there. Here, the lowest
    layer, for the trail; the other apps take it through core.admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read only: nobody edits or deletes the trail (purge_audit applies the retention)."""

    list_display = ("at", "username", "action", "object_type", "object_id", "file_ref", "columns")
    list_filter = ("action", "object_type")
    search_fields = ("username", "file_ref", "object_id")
    date_hierarchy = "at"

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.paginator import Paginator

from core.admin import ReadOnlyAdmin
from permanences.admin import AuditedAdmin

from .models import Beneficiary, DistinctPair, Outcome, Referral, RefSequence, Topic, Visit, WorkshopTheme
from .services import beneficiary_read, file_row_read, files_listed


class ListedPaginator(Paginator):
    """A paginator that hands each page it gives to `shown` (to record its read)."""

    def __init__(self, *args, shown, **kwargs):
        super().__init__(*args, **kwargs)
        self.shown = shown

    def page(self, number):
        page = super().page(number)
        self.shown(page.object_list)
        return page


class FileReads:
    """Mixed into an admin of rows that show a person (a file, one of its rows, a
    message): like the app's pages, each admin page showing one row (change, delete
    confirmation, history) leaves its read in the audit trail, and each page of
    the admin's autocomplete its list (how many files, never which)."""

    listed = ""  # what the trail calls the list

    def file_id(self, row) -> int:
        return row.beneficiary_id

    def record_read(self, request, row) -> None:
        file_row_read(row=row, user=request.user)

    def record_list(self, request, rows, what: str) -> None:
        files = {self.file_id(row) for row in rows}
        files_listed(what=f"administration, {what}", count=len(files), user=request.user)

    def _read(self, request, response, key: str):
        shown = (getattr(response, "context_data", None) or {}).get(key)
        if request.method == "GET" and shown is not None:
            self.record_read(request, shown)
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        return self._read(request, response, "original")

    def delete_view(self, request, object_id, extra_context=None):
        return self._read(request, super().delete_view(request, object_id, extra_context), "object")

    def history_view(self, request, object_id, extra_context=None):
        return self._read(request, super().history_view(request, object_id, extra_context), "object")

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        match = request.resolver_match
        if match is None or match.view_name != "admin:autocomplete":
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return ListedPaginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            shown=lambda rows: self.record_list(request, rows, f"{self.listed} (saisie semi-automatique)"),
        )


class FileAdmin(FileReads, AuditedAdmin):
    """The admin pages of persons' files show names: each list, and each row
    shown (FileReads), leaves its read in the audit trail."""

    def file_of(self, row):
        return row.beneficiary

    def has_change_permission(self, request, obj=None):
        # An anonymised file, and what it holds, is read-only here as everywhere.
        if obj is not None and self.file_of(obj).anonymised_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            # An edit or a correction opened before in the app is then a conflict, not an overwrite.
            obj.version += 1
        super().save_model(request, obj, form, change)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if request.method == "GET" and changelist is not None:
            self.record_list(request, changelist.result_list, self.listed)
        return response


@admin.register(Beneficiary)
class BeneficiaryAdmin(FileAdmin):
    listed = "personnes accompagnées"
    list_display = ("ref", "last_name", "first_name", "sex", "birth_date", "quarter")
    list_filter = ("sex", "quarter", "france_travail", "rsa", "rqth", "qualification_level")
    list_select_related = ("quarter",)
    search_fields = ("ref", "search_key", "last_name", "first_name", "phone")
    autocomplete_fields = ("quarter",)
    readonly_fields = ("search_key", "version")

    def file_id(self, row) -> int:
        return row.pk

    def file_of(self, row):
        return row

    def record_read(self, request, row) -> None:
        beneficiary_read(beneficiary=row, user=request.user)

    # The admin's own history (django_admin_log) names a file by its reference,
    # never by the person's name: anonymisation would not reach it there.
    def log_addition(self, request, obj, message):
        return _named_by_ref(super().log_addition(request, obj, message), [obj])

    def log_change(self, request, obj, message):
        return _named_by_ref(super().log_change(request, obj, message), [obj])

    def log_deletions(self, request, queryset):
        persons = list(queryset)
        return _named_by_ref(super().log_deletions(request, persons), persons)


def _named_by_ref(logged, persons: list[Beneficiary]):
    refs = {str(person.pk): person.ref for person in persons}
    for entry in logged if isinstance(logged, list) else [logged]:
        entry.object_repr = refs[str(entry.object_id)]
        LogEntry.objects.filter(pk=entry.pk).update(object_repr=entry.object_repr)
    return logged


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("label", "code")


@admin.register(WorkshopTheme)
class WorkshopThemeAdmin(TopicAdmin):
    """The themes workshops are created with (the workshops themselves are managed in the app)."""


class ReferralInline(admin.TabularInline):
    model = Referral
    extra = 0
    fields = ("partner", "detail", "proposed_on", "status", "checked_on")


@admin.register(Visit)
class VisitAdmin(FileAdmin):
    listed = "rendez-vous"
    list_display = ("date", "beneficiary", "permanence_venue", "kind", "counsellor")
    list_filter = ("kind", "permanence__venue__quarter", "permanence__venue")
    list_select_related = ("beneficiary", "permanence__venue", "counsellor")
    search_fields = ("beneficiary__ref", "beneficiary__search_key")
    autocomplete_fields = ("beneficiary", "permanence", "counsellor")
    filter_horizontal = ("topics",)
    readonly_fields = ("date",)
    date_hierarchy = "date"
    inlines = [ReferralInline]

    @admin.display(description="lieu", ordering="permanence__venue__name")
    def permanence_venue(self, obj):
        return obj.permanence.venue


@admin.register(Referral)
class ReferralAdmin(FileAdmin):
    listed = "orientations"
    list_display = ("proposed_on", "beneficiary", "partner", "status", "checked_on")
    list_filter = ("partner", "status")
    list_select_related = ("beneficiary",)
    search_fields = ("beneficiary__ref", "beneficiary__search_key", "detail")
    autocomplete_fields = ("beneficiary", "visit")
    date_hierarchy = "proposed_on"


@admin.register(Outcome)
class OutcomeAdmin(FileAdmin):
    listed = "sorties"
    list_display = ("start_date", "end_date", "beneficiary", "kind", "working_time")
    list_filter = ("kind", "working_time")
    list_select_related = ("beneficiary",)
    search_fields = ("beneficiary__ref", "beneficiary__search_key", "employer")
    autocomplete_fields = ("beneficiary",)
    date_hierarchy = "start_date"


@admin.register(RefSequence)
class RefSequenceAdmin(ReadOnlyAdmin):
    """Read-only: editing the counter could hand out a reference twice."""

    list_display = ("year", "last")


@admin.register(DistinctPair)
class DistinctPairAdmin(FileReads, admin.ModelAdmin):
    """Pairs checked as two persons on the duplicates page; deleting one lists the pair again.
    A pair's page names both persons: a read of each file."""

    list_display = ("__str__", "decided_by", "decided_at")
    list_select_related = ("first", "second", "decided_by")
    search_fields = ("first__ref", "second__ref")
    readonly_fields = ("first", "second", "decided_by", "decided_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def record_read(self, request, row) -> None:
        for person in (row.first, row.second):
            beneficiary_read(beneficiary=person, user=request.user)

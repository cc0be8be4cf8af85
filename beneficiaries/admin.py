from django.contrib import admin

from permanences.admin import AuditedAdmin

from .models import Beneficiary, DistinctPair, Outcome, Referral, RefSequence, Topic, Visit


@admin.register(Beneficiary)
class BeneficiaryAdmin(AuditedAdmin):
    list_display = ("ref", "last_name", "first_name", "sex", "birth_date", "quarter")
    list_filter = ("sex", "quarter", "france_travail", "rsa", "rqth", "qualification_level")
    list_select_related = ("quarter",)
    search_fields = ("ref", "search_key", "last_name", "first_name", "phone")
    autocomplete_fields = ("quarter",)
    readonly_fields = ("search_key", "version")


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("label", "code", "position", "is_active")
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("label", "code")


class ReferralInline(admin.TabularInline):
    model = Referral
    extra = 0
    fields = ("partner", "detail", "proposed_on", "status", "checked_on")


@admin.register(Visit)
class VisitAdmin(AuditedAdmin):
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
class ReferralAdmin(AuditedAdmin):
    list_display = ("proposed_on", "beneficiary", "partner", "status", "checked_on")
    list_filter = ("partner", "status")
    list_select_related = ("beneficiary",)
    search_fields = ("beneficiary__ref", "beneficiary__search_key", "detail")
    autocomplete_fields = ("beneficiary", "visit")
    date_hierarchy = "proposed_on"


@admin.register(Outcome)
class OutcomeAdmin(AuditedAdmin):
    list_display = ("start_date", "end_date", "beneficiary", "kind", "working_time")
    list_filter = ("kind", "working_time")
    list_select_related = ("beneficiary",)
    search_fields = ("beneficiary__ref", "beneficiary__search_key", "employer")
    autocomplete_fields = ("beneficiary",)
    date_hierarchy = "start_date"


@admin.register(RefSequence)
class RefSequenceAdmin(admin.ModelAdmin):
    """Read-only: editing the counter could hand out a reference twice."""

    list_display = ("year", "last")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DistinctPair)
class DistinctPairAdmin(admin.ModelAdmin):
    """Pairs checked as two persons on the duplicates page; deleting one lists the pair again."""

    list_display = ("__str__", "decided_by", "decided_at")
    list_select_related = ("first", "second", "decided_by")
    search_fields = ("first__ref", "second__ref")
    readonly_fields = ("first", "second", "decided_by", "decided_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count
from django.utils import timezone

from .enums import PermanenceStatus
from .models import Permanence, PublicInfo, Quarter, Venue, WeeklySlot
from .services import permanences_generate, planning_horizon
from .signals import permanence_cancelled

User = get_user_model()


class AuditedAdmin(admin.ModelAdmin):
    """Fills created_by / updated_by and shows the audit fields read-only."""

    audit_fields = ("created_at", "created_by", "updated_at", "updated_by")

    def get_readonly_fields(self, request, obj=None):
        own = tuple(super().get_readonly_fields(request, obj))
        present = {f.name for f in self.model._meta.get_fields()}
        return own + tuple(f for f in self.audit_fields if f in present and f not in own)

    def save_model(self, request, obj, form, change):
        if hasattr(obj, "updated_by_id"):
            if not change:
                obj.created_by = request.user
            obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class ReplanAdmin(AuditedAdmin):
    """A change of weekly slots reaches the coming sessions nobody changed by hand at once,
    rather than at the next daily planning (plan_permanences)."""

    def _replan(self, request):
        start, end = planning_horizon(timezone.localdate(), settings.PLANNING_WEEKS)
        result = permanences_generate(start=start, end=end)
        if result.created or result.updated or result.removed:
            self.message_user(
                request,
                f"Planning des {settings.PLANNING_WEEKS} prochaines semaines mis à jour : "
                f"{result.created} permanence(s) créée(s), {result.updated} modifiée(s), "
                f"{result.removed} retirée(s) ; celles modifiées à la main n'ont pas été touchées.",
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._replan(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._replan(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._replan(request)


@admin.register(Quarter)
class QuarterAdmin(AuditedAdmin):
    list_display = ("name", "is_priority", "qpv_code", "venue_count")
    list_filter = ("is_priority",)
    search_fields = ("name", "qpv_code")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(venue_count=Count("venues"))

    @admin.display(description="lieux d'accueil", ordering="venue_count")
    def venue_count(self, obj):
        return obj.venue_count


class WeeklySlotInline(admin.TabularInline):
    model = WeeklySlot
    extra = 0
    autocomplete_fields = ("counsellors",)
    fields = ("weekday", "start_time", "end_time", "counsellors", "valid_from", "valid_until")


@admin.register(Venue)
class VenueAdmin(ReplanAdmin):
    list_display = ("name", "kind", "quarter", "city", "is_active", "is_example", "publish_counsellors")
    list_filter = ("is_active", "kind", "is_example", "publish_counsellors", "quarter")
    list_select_related = ("quarter",)
    search_fields = ("name", "address", "quarter__name")
    autocomplete_fields = ("quarter",)
    inlines = [WeeklySlotInline]


@admin.register(WeeklySlot)
class WeeklySlotAdmin(ReplanAdmin):
    list_display = ("venue", "weekday", "start_time", "end_time", "valid_from", "valid_until")
    list_filter = ("weekday", "venue__quarter", "venue")
    list_select_related = ("venue",)
    search_fields = ("venue__name",)
    autocomplete_fields = ("venue", "counsellors")


@admin.register(Permanence)
class PermanenceAdmin(AuditedAdmin):
    list_display = ("date", "start_time", "end_time", "venue", "status")
    list_filter = ("status", "venue__quarter", "venue")
    list_select_related = ("venue",)
    search_fields = ("venue__name", "cancel_reason")
    autocomplete_fields = ("venue", "counsellors", "slot")
    readonly_fields = ("slot_date", "changed_by_hand_at")
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        # A change here is a change by hand: the planning leaves the session alone from now on.
        obj.changed_by_hand_at = timezone.now()
        cancelled_now = obj.is_cancelled and form.initial.get("status") != PermanenceStatus.CANCELLED
        super().save_model(request, obj, form, change)
        if cancelled_now:  # as permanence_cancel: the persons booked on it are told (messaging/)
            permanence_cancelled.send(sender=Permanence, permanence=obj)


@admin.register(PublicInfo)
class PublicInfoAdmin(AuditedAdmin):
    """The texts of the public schedule and posters, and of the register of
    processing and the information notice: one row, never deleted."""

    list_display = ("__str__", "organiser", "updated_at")
    fieldsets = (
        (
            "Page publique, affiches et agendas",
            {"fields": ("organiser", "introduction", "services", "what_to_bring", "partners", "contact")},
        ),
        (
            "Registre des traitements et notice d'information (RGPD)",
            {"fields": ("controller", "dpo_contact", "other_recipients")},
        ),
    )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PublicInfo.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users and their roles (groups conseiller, coordination, ville)."""

    list_display = ("username", "first_name", "last_name", "roles", "is_staff", "is_active")
    list_filter = ("groups", "is_staff", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="rôles")
    def roles(self, obj):
        return ", ".join(sorted(group.name for group in obj.groups.all())) or "—"

from django import forms
from django.contrib import admin

from .forms import publishable_year
from .models import PublishedBilan
from .services import bilan_publish


class PublishForm(forms.ModelForm):
    class Meta:
        model = PublishedBilan
        fields = ("year", "note")

    def clean_year(self):
        return publishable_year(self.cleaned_data["year"])


@admin.register(PublishedBilan)
class PublishedBilanAdmin(admin.ModelAdmin):
    """Publications are frozen: the figures come from the computation, never by hand."""

    list_display = ("year", "published_at", "published_by", "note")
    list_filter = ("year",)
    list_select_related = ("published_by",)
    search_fields = ("note",)
    readonly_fields = ("year", "figures", "published_at", "published_by", "note")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PublishForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ("figures", "published_at", "published_by")

    def get_fields(self, request, obj=None):
        return ("year", "note") if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            published = bilan_publish(year=obj.year, user=request.user, note=obj.note)
            # The admin's log and redirect need the saved row.
            obj.pk = published.pk
            obj.figures = published.figures
            obj.published_at = published.published_at

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

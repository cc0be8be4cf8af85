"""The admin of the messages' texts (edited, with a preview) and of the messages (read only)."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .enums import Channel
from .models import Message, MessageTemplate
from .texts import PLACEHOLDERS, TextError, check_text, render, sample_values, sms_size


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["subject", "body"]

    def clean(self):
        data = super().clean()
        template = self.instance
        for name in ("subject", "body"):
            try:
                check_text(data.get(name, ""), template.kind, template.channel)
            except TextError as error:
                self.add_error(name, str(error))
        if template.channel == Channel.EMAIL and not data.get("subject", "").strip():
            self.add_error("subject", "Un courriel a besoin d'un sujet.")
        return data


def preview(template: MessageTemplate) -> str:
    """The text written for fictitious sample values; for an SMS, its size."""
    try:
        subject = render(template.subject, sample_values())
        body = render(template.body, sample_values())
    except TextError as error:
        return str(error)
    size = (
        format_html("<p><strong>{}</strong></p>", sms_size(body).label)
        if template.channel == Channel.SMS
        else ""
    )
    head = format_html("<p><strong>Sujet :</strong> {}</p>", subject) if subject else ""
    return format_html('{}<pre style="white-space: pre-wrap">{}</pre>{}', head, body, size)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ("kind", "channel", "updated_at", "updated_by")
    list_select_related = ("updated_by",)
    readonly_fields = ("kind", "channel", "placeholders", "text_preview", "updated_at", "updated_by")
    fields = (
        "kind",
        "channel",
        "subject",
        "body",
        "placeholders",
        "text_preview",
        "updated_at",
        "updated_by",
    )

    @admin.display(description="champs possibles")
    def placeholders(self, obj):
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "", "<li><code>{{{}}}</code> : {}</li>", ((n, d) for n, (d, _) in PLACEHOLDERS.items())
            ),
        )

    @admin.display(description="aperçu (valeurs fictives)")
    def text_preview(self, obj):
        return preview(obj) if obj and obj.pk else ""

    def has_add_permission(self, request):
        return False  # one text per kind and channel, created by the migrations

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Read only: messages are written by the application alone."""

    list_display = ("created_at", "channel", "kind", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

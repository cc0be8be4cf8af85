"""The admin of the messages' texts (edited, with a preview, as on the page "Textes des
messages" of coordination) and of the messages (read only)."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join

from beneficiaries.admin import FileReads
from core.admin import ReadOnlyAdmin

from .enums import Channel
from .forms import TextErrorsMixin
from .models import Message, MessageTemplate
from .texts import TextError, placeholders_for, sample_preview
from .texts_services import message_template_update


class MessageTemplateForm(TextErrorsMixin, forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["subject", "body"]

    @property
    def text_template(self):
        return self.instance


def preview(template: MessageTemplate) -> str:
    """The text written for fictitious sample values; for an SMS, its size."""
    try:
        written = sample_preview(template.channel, template.subject, template.body)
    except TextError as error:
        return str(error)
    size = format_html("<p><strong>{}</strong></p>", written.size.label) if written.size else ""
    head = format_html("<p><strong>Sujet :</strong> {}</p>", written.subject) if written.subject else ""
    return format_html('{}<pre style="white-space: pre-wrap">{}</pre>{}', head, written.body, size)


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

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return [f for f in fields if f != "subject"] if obj and obj.channel == Channel.SMS else fields

    @admin.display(description="champs possibles")
    def placeholders(self, obj):
        if not obj or not obj.pk:
            return ""
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><code>{{{}}}</code> : {}</li>",
                ((name, said) for name, said, _ in placeholders_for(obj.kind, obj.channel)),
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
        # The form checked the text as the service does: refused there, never here.
        message_template_update(template=obj, subject=obj.subject, body=obj.body, user=request.user)


@admin.register(Message)
class MessageAdmin(FileReads, ReadOnlyAdmin):
    """Read only: messages are written by the application alone. A message's page
    shows the person and the text: a read of the file (FileReads)."""

    list_display = ("created_at", "channel", "kind", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

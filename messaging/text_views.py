"""The texts of the messages, for coordination (and the installation's admins): every
kind of message on each channel with its size as an SMS, and the page that edits one,
with its placeholders, a preview on fictitious values, and the save."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from core.responses import render_form

from . import perms
from .forms import MessageTextForm
from .models import MessageTemplate
from .texts import TextError, placeholders_for, sample_preview
from .texts_services import TextRefused, message_template_update


def preview_or_error(channel: str, subject: str, body: str) -> tuple[object, str]:
    """The preview of a text on the sample values, or why it cannot be written."""
    try:
        return sample_preview(channel, subject, body), ""
    except TextError as error:
        return None, str(error)


@require_GET
def text_list(request):
    perms.require_edit_texts(request)
    rows = [
        (template, *preview_or_error(template.channel, template.subject, template.body))
        for template in MessageTemplate.objects.for_listing()
    ]
    return render(request, "messaging/text_list.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def text_edit(request, pk: int):
    """GET: the saved text and its preview; POST "preview": the text typed, written on the
    sample values (nothing saved); POST: saved, whole or not at all."""
    template = perms.get_text_for_user(request, pk)
    form = MessageTextForm(request.POST or None, template=template)
    preview, error = (
        (None, "")
        if request.method == "POST"
        else preview_or_error(template.channel, template.subject, template.body)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview, error = preview_or_error(template.channel, data.get("subject", ""), data["body"])
        else:
            try:
                message_template_update(
                    template=template, subject=data.get("subject", ""), body=data["body"], user=request.user
                )
            except TextRefused as refused:
                for field, message in refused.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request, f"Texte « {template} » enregistré : les prochains messages l'emploient."
                )
                return redirect("messaging:texts")
    context = {
        "template": template,
        "form": form,
        "preview": preview,
        "preview_error": error,
        "placeholders": placeholders_for(template.kind, template.channel),
    }
    return render_form(request, "messaging/text_edit.html", context, form)

"""The messages page (coordination) and a counsellor's one-off message from a file."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from beneficiaries.views import paginated_list
from core.responses import render_form
from core.submissions import new_token, submit_once

from . import perms
from .filters import MessageFilter
from .forms import OneOffForm
from .models import Message
from .summary import columns, summary

PAGE_SIZE = 50


@require_GET
def message_list(request):
    """What was sent, queued, failed or not sent: counts per channel and day, and the messages."""
    perms.require_view_messages(request)
    filterset = MessageFilter(request.GET or None, queryset=Message.objects.for_listing())
    return paginated_list(
        request,
        filterset,
        "messaging/message_list.html",
        what="messages aux personnes",
        person_of=lambda message: message.beneficiary_id,
        page_size=PAGE_SIZE,
        extra={"summary": summary(filterset.qs), "columns": columns()},
    )


@require_http_methods(["GET", "POST"])
def compose(request, pk: int):
    """A one-off message to the person, on a channel they accepted: previewed (the text
    as it will be sent and, for an SMS, its characters and segments), then queued once."""

    person = perms.get_person_to_message(request, pk)
    from .services import (
        ONE_OFF_MAX_LENGTH,
        MessageError,
        channels_of,
        message_queue_one_off,
        one_off_preview,
    )

    channels = channels_of(person)
    form = OneOffForm(
        request.POST or None, channels=channels, max_length=ONE_OFF_MAX_LENGTH, initial={"token": new_token()}
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data, back = form.cleaned_data, reverse("beneficiaries:detail", args=[person.pk])
        try:
            if "preview" in request.POST:
                preview = one_off_preview(beneficiary=person, channel=data["channel"], text=data["text"])
            else:
                submit_once(
                    token=data["token"],
                    user=request.user,
                    create=lambda: message_queue_one_off(
                        beneficiary=person, channel=data["channel"], text=data["text"], user=request.user
                    ),
                    result_url=lambda message: back,
                    fallback=back,
                )
                messages.success(
                    request, "Message mis en file d'envoi : il apparaît dans le parcours du dossier."
                )
                return redirect(back)
        except MessageError as error:
            form.add_error(None, str(error))
    context = {"person": person, "form": form, "channels": channels, "preview": preview}
    return render_form(request, "messaging/compose.html", context, form)

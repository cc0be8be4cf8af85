"""The messages page (coordination) and a counsellor's one-off message from a file;
and the pages of messaging that need no login: the e-mails' withdrawal link, and the
delivery reports a provider posts."""

import contextlib
import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beneficiaries.consent import consent_record
from beneficiaries.enums import Channel
from beneficiaries.services import BeneficiaryError, beneficiary_read
from beneficiaries.views import paginated_list
from core.responses import render_form
from core.submissions import new_token, submit_once

from . import perms
from .compose import one_off_preview
from .filters import MessageFilter
from .forms import OneOffForm
from .models import Message
from .reports import brevo_report_record
from .services import ONE_OFF_MAX_LENGTH, MessageError, channels_of, message_queue_one_off
from .summary import columns, summary
from .texts import GSM_BASIC, GSM_EXTENSION
from .withdrawal import InvalidLink, beneficiary_of, file_now

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
    if request.method == "GET":
        beneficiary_read(beneficiary=person, user=request.user)
    channels = channels_of(person)
    form = OneOffForm(
        request.POST or None, channels=channels, max_length=ONE_OFF_MAX_LENGTH, initial={"token": new_token()}
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data, back = form.cleaned_data, reverse("beneficiaries:detail", args=[person.pk])
        try:
            if "preview" in request.POST:
                preview = one_off_preview(
                    beneficiary=person, channel=data["channel"], subject=data["subject"], body=data["text"]
                )
            else:
                submit_once(
                    token=data["token"],
                    user=request.user,
                    create=lambda: message_queue_one_off(
                        beneficiary=person,
                        channel=data["channel"],
                        subject=data["subject"],
                        body=data["text"],
                        user=request.user,
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
    context = {
        "person": person,
        "form": form,
        "channels": channels,
        "preview": preview,
        # For the live count of an SMS's characters and segments.
        "gsm_alphabet": {"basic": "".join(sorted(GSM_BASIC)), "extension": "".join(sorted(GSM_EXTENSION))},
    }
    return render_form(request, "messaging/compose.html", context, form)


TEMPLATE = "messaging/withdraw.html"


# No login, no CSRF token: the signed link is the authority, and a mail client's
# one-click unsubscription (RFC 8058) posts to it without any page.
@login_not_required
@csrf_exempt
@require_http_methods(["GET", "POST"])
def withdraw(request, token: str):
    """GET: what the link does, and a button; POST: e-mail consent withdrawn."""
    try:
        beneficiary_id = beneficiary_of(token)
    except InvalidLink as error:
        return render(request, TEMPLATE, {"invalid": True, "expired": error.expired}, status=400)
    if request.method == "GET":
        return render(request, TEMPLATE, {"confirm": True})
    current = file_now(beneficiary_id)
    if current is None:
        # Never say "C'est noté" for a withdrawal that did not happen.
        return render(request, TEMPLATE, {"gone": True}, status=404)
    # An anonymised file has no consent (and no address) left to withdraw.
    with contextlib.suppress(BeneficiaryError, ObjectDoesNotExist):
        consent_record(beneficiary_id=current, channel=Channel.EMAIL, given=False, user=None)
    return render(request, TEMPLATE, {"done": True})


@login_not_required
@csrf_exempt
@require_POST
def brevo_report(request):
    """Brevo's SMS delivery reports: the shared secret in `?secret=`, or else 403."""
    secret = settings.BREVO_WEBHOOK_SECRET
    given = request.GET.get("secret", "") or request.headers.get("X-Webhook-Secret", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponseForbidden()
    try:
        event = json.loads(request.body or b"{}")
    except ValueError:
        return HttpResponse(status=400)
    events = event if isinstance(event, list) else [event]
    for item in events:
        if isinstance(item, dict):
            brevo_report_record(item)
    return HttpResponse("ok", content_type="text/plain")

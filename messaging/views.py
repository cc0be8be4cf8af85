"""The pages of messaging that need no login: the e-mails' withdrawal link, and the
delivery reports a provider posts."""

import contextlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from beneficiaries.consent import consent_record
from beneficiaries.enums import Channel
from beneficiaries.services import BeneficiaryError

from .reports import brevo_report_record
from .withdrawal import InvalidLink, beneficiary_of

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
    # An anonymised or merged file has no consent left to withdraw.
    with contextlib.suppress(BeneficiaryError, ObjectDoesNotExist):
        consent_record(beneficiary_id=beneficiary_id, channel=Channel.EMAIL, given=False, user=None)
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

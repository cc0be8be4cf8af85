"""The RGPD pages of a file (coordination): its audit trail, the right-of-access
document, anonymisation on request; and the register of processing."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.enums import AuditAction
from audit.models import AuditEntry
from audit.services import audit_record
from core.pdf import render_pdf
from core.responses import render_form
from permanences.models import PublicInfo

from . import perms, timeline
from .consent import consent_rows
from .forms import AnonymiseForm, VisitForm
from .models import Beneficiary, Outcome, Referral, Visit
from .services import BeneficiaryError, beneficiary_anonymise, beneficiary_read


def _label_columns(entries) -> None:
    """Set each entry's `changed`: the columns a change names, as the forms label
    them ("téléphone, quartier de résidence")."""
    labels = {
        (model._meta.label_lower, field.column): str(field.verbose_name)
        for model in (Beneficiary, Visit, Referral, Outcome)
        for field in model._meta.concrete_fields
    }
    for entry in entries:
        names = [name for name in entry.columns.split(", ") if name]
        entry.changed = ", ".join(labels.get((entry.object_type, name), name) for name in names)


@require_GET
def trail(request, pk: int):
    """Who read or changed this file, and when (coordination only)."""
    person = perms.get_beneficiary_for_user(request, pk, manage=True)
    beneficiary_read(beneficiary=person, user=request.user)
    page = Paginator(AuditEntry.objects.for_file(person.ref), 50).get_page(request.GET.get("page"))
    _label_columns(page.object_list)
    return render(
        request,
        "beneficiaries/trail.html",
        {"person": person, "page": page, "query": "", "retention_days": settings.AUDIT_RETENTION_DAYS},
    )


@require_http_methods(["GET", "POST"])
def anonymise(request, pk: int):
    """Anonymise one file on request (RGPD), with a reason (coordination only)."""
    person = perms.get_beneficiary_for_user(request, pk, manage=True)
    if request.method == "GET":
        beneficiary_read(beneficiary=person, user=request.user)
    form = AnonymiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            beneficiary_anonymise(beneficiary=person, reason=form.cleaned_data["reason"], user=request.user)
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Dossier {person.ref} anonymisé.")
            return redirect("beneficiaries:detail", person.pk)
    return render_form(request, "beneficiaries/anonymise.html", {"person": person, "form": form}, form)


def _messages_of(person: Beneficiary):
    """The messages to the person, oldest first: read through the source messaging
    registers for the timeline (an app above this one); none without it."""
    for source in timeline.SOURCES:
        if source.kind == "messages":
            return source.of_file(person).select_related("created_by").order_by("created_at", "pk")
    return []


@require_GET
def access_document(request, pk: int):
    """Right of access: everything held about one person, as a PDF (coordination only)."""
    person = perms.get_beneficiary_for_user(request, pk, manage=True)
    beneficiary_read(beneficiary=person, user=request.user)
    audit_record(action=AuditAction.ACCESS_REQUEST, user=request.user, obj=person)
    pdf = render_pdf(
        "beneficiaries/access_document.pdf.html",
        {
            "person": person,
            "visits": person.visits.for_timeline().order_by("date", "pk"),
            "referrals": person.referrals.order_by("proposed_on", "pk"),
            "outcomes": person.outcomes.order_by("start_date", "pk"),
            "appointments": person.appointments.for_listing().order_by("permanence__date", "time", "pk"),
            "workshop_registrations": person.workshop_registrations.select_related(
                "workshop__theme", "workshop__venue"
            ).order_by("workshop__date", "pk"),
            "consents": consent_rows(person),
            "sent_messages": _messages_of(person),
            "trail": AuditEntry.objects.for_file(person.ref),
            "now": timezone.localtime(),
        },
        stylesheet="beneficiaries/document.css",
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="droit-acces-{person.ref}.pdf"'
    return response


@require_GET
def register(request):
    """Registre des traitements, for the DPO: purposes, data, recipients, retention."""
    perms.require_read_register(request)
    return render(
        request,
        "beneficiaries/register.html",
        {
            "info": PublicInfo.objects.current(),
            "retention_days": settings.RETENTION_DAYS,
            "audit_days": settings.AUDIT_RETENTION_DAYS,
            "link_days": settings.CONSENT_LINK_MAX_AGE_DAYS,
            "notes_help": VisitForm.base_fields["notes"].help_text,
        },
    )

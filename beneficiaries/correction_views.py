"""Corrections from the file page: a visit, a referral or an outcome edited or
deleted, with a reason (correction_services.py), by the counsellor who recorded
it within the correction window or by coordination (`perms.can_correct`); and a
referral made outside a visit.

Each form carries the version of the row it was read at: when someone saved the
row in between, the page comes back with status 409 — for an edit, what was
typed beside what is saved now — and the form on the current version; nothing
is overwritten.
"""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.responses import render_form
from core.submissions import new_token, submit_once

from . import correction_services as corrections
from . import perms
from .correction_forms import (
    DeleteForm,
    OutcomeCorrectionForm,
    ReferralCorrectionForm,
    ReferralRecordForm,
    VisitCorrectionForm,
)
from .forms import OutcomeForm, changes
from .models import Beneficiary
from .services import BeneficiaryError, beneficiary_read, referral_record

VISIT_VALUES = ("notes", "duration_minutes", "next_step", "next_step_due")
DELETE_TEMPLATE = "beneficiaries/delete_confirm.html"


def _posted(request):
    """The data sent, or None for a GET: an empty POST is a form with errors, not a blank form."""
    return request.POST if request.method == "POST" else None


def _file_page(person: Beneficiary) -> str:
    return reverse("beneficiaries:detail", args=[person.pk])


def _corrected(
    request,
    form,
    *,
    person: Beneficiary,
    template: str,
    context: dict,
    save: Callable[[dict], object],
    fresh: Callable,
    done: str,
):
    """A correction page: the row read, its form validated and saved by `save(data)`;
    after a conflict, the page again with `fresh(current row)`, status 409."""
    if request.method == "GET":
        beneficiary_read(beneficiary=person, user=request.user)
    context = {"person": person, "form": form, **context}
    if form.is_bound and form.is_valid():
        try:
            save(form.cleaned_data)
        except corrections.CorrectionConflict as conflict:
            current = conflict.current
            beneficiary_read(beneficiary=person, user=request.user)
            typed = changes(form, current) if hasattr(form, "instance") else None
            context.update(form=fresh(current), row=current, conflict=True, changes=typed)
            return render(request, template, context, status=409)
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return redirect(_file_page(person))
    return render_form(request, template, context, form)


def _delete_form(row) -> DeleteForm:
    return DeleteForm(initial={"version": row.version})


def _deleted(
    request, row, *, what: str, summary: str, delete: Callable, done: str, context: dict | None = None
):
    """The confirmation page of a deletion (the row shown by the template `summary`),
    then the deletion by `delete(version, reason)`."""
    return _corrected(
        request,
        DeleteForm(_posted(request), initial={"version": row.version}),
        person=row.beneficiary,
        template=DELETE_TEMPLATE,
        context={"row": row, "what": what, "summary": summary, **(context or {})},
        save=lambda data: delete(data["version"], data["reason"]),
        fresh=_delete_form,
        done=done,
    )


# --- visits -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def visit_edit(request, pk: int):
    visit = perms.get_visit_to_correct(request, pk)

    def save(data):
        return corrections.visit_correct(
            visit_id=visit.pk,
            expected_version=data["version"],
            values={name: data[name] for name in VISIT_VALUES},
            topics=list(data["topics"]),
            permanence=data["permanence"],
            user=request.user,
            reason=data["reason"],
        )

    return _corrected(
        request,
        VisitCorrectionForm(_posted(request), instance=visit),
        person=visit.beneficiary,
        template="beneficiaries/visit_correction.html",
        context={"row": visit},
        save=save,
        fresh=lambda current: VisitCorrectionForm(instance=current),
        done="Rendez-vous corrigé.",
    )


@require_http_methods(["GET", "POST"])
def visit_delete(request, pk: int):
    """Delete a visit, after a confirmation that lists the referrals going with it."""
    visit = perms.get_visit_to_correct(request, pk)
    return _deleted(
        request,
        visit,
        what="ce rendez-vous",
        summary="beneficiaries/includes/visit_card.html",
        delete=lambda version, reason: corrections.visit_delete(
            visit_id=visit.pk, expected_version=version, user=request.user, reason=reason
        ),
        done="Rendez-vous supprimé, avec ses orientations.",
        context={"is_visit": True},
    )


# --- referrals ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def referral_create(request, pk: int):
    """A referral made outside a visit (by phone, by e-mail…), from the file page."""
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    if request.method == "GET":
        beneficiary_read(beneficiary=person, user=request.user)
    form = ReferralRecordForm(
        _posted(request), initial={"token": new_token(), "proposed_on": timezone.localdate()}
    )
    if form.is_bound and form.is_valid():
        data, file_page = form.cleaned_data, _file_page(person)
        try:
            submit_once(
                token=data["token"],
                user=request.user,
                create=lambda: referral_record(
                    beneficiary=person,
                    data={name: data[name] for name in ReferralRecordForm.Meta.fields},
                    user=request.user,
                ),
                result_url=lambda created: file_page,
                fallback=file_page,
            )
        except BeneficiaryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Orientation enregistrée.")
            return redirect(file_page)
    return render_form(request, "beneficiaries/referral_form.html", {"person": person, "form": form}, form)


@require_http_methods(["GET", "POST"])
def referral_edit(request, pk: int):
    referral = perms.get_referral_to_correct(request, pk)
    form = ReferralCorrectionForm(_posted(request), instance=referral)
    return _corrected(
        request,
        form,
        person=referral.beneficiary,
        template="beneficiaries/referral_form.html",
        context={"row": referral},
        save=lambda data: corrections.referral_correct(
            referral_id=referral.pk,
            expected_version=data["version"],
            values=form.values(),
            user=request.user,
            reason=data["reason"],
        ),
        fresh=lambda current: ReferralCorrectionForm(instance=current),
        done="Orientation corrigée.",
    )


@require_http_methods(["GET", "POST"])
def referral_delete(request, pk: int):
    referral = perms.get_referral_to_correct(request, pk)
    return _deleted(
        request,
        referral,
        what="cette orientation",
        summary="beneficiaries/includes/referral_line.html",
        delete=lambda version, reason: corrections.referral_delete(
            referral_id=referral.pk, expected_version=version, user=request.user, reason=reason
        ),
        done="Orientation supprimée.",
    )


# --- outcomes -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def outcome_edit(request, pk: int, outcome_pk: int):
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    outcome = perms.get_outcome_to_correct(request, person, outcome_pk)
    return _corrected(
        request,
        OutcomeCorrectionForm(_posted(request), instance=outcome),
        person=person,
        template="beneficiaries/outcome_form.html",
        context={"outcome": outcome, "row": outcome},
        save=lambda data: corrections.outcome_correct(
            outcome_id=outcome.pk,
            expected_version=data["version"],
            values={name: data[name] for name in OutcomeForm.Meta.fields},
            user=request.user,
            reason=data["reason"],
        ),
        fresh=lambda current: OutcomeCorrectionForm(instance=current),
        done="Sortie corrigée.",
    )


@require_http_methods(["GET", "POST"])
def outcome_delete(request, pk: int, outcome_pk: int):
    person = perms.get_beneficiary_for_user(request, pk, edit=True)
    outcome = perms.get_outcome_to_correct(request, person, outcome_pk)
    outcome.beneficiary = person
    return _deleted(
        request,
        outcome,
        what="cette sortie",
        summary="beneficiaries/includes/outcome_line.html",
        delete=lambda version, reason: corrections.outcome_delete(
            outcome_id=outcome.pk, expected_version=version, user=request.user, reason=reason
        ),
        done="Sortie supprimée.",
    )

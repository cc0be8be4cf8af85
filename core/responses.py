"""Responses shared by the views of every app."""

from django.http import HttpResponse
from django.shortcuts import render


def has_errors(form) -> bool:
    """A form's or a formset's errors (its own non-form errors included)."""
    if hasattr(form, "total_error_count"):
        return form.total_error_count() > 0
    return bool(form.errors)


def render_form(request, template_name: str, context: dict, *forms) -> HttpResponse:
    """A page with forms: 400 when one of them was sent with errors, so that a
    failed submission is never mistaken for a success; 200 otherwise."""
    status = 400 if any(has_errors(form) for form in forms if form is not None) else 200
    return render(request, template_name, context, status=status)

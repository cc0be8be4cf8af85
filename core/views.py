from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from core.enums import Role
from core.roles import Refused, is_admin, roles_of


@require_GET
def home(request):
    """Send each role to its place."""
    roles = roles_of(request.user)
    if Role.CONSEILLER in roles:
        return redirect("permanences:today")
    if Role.COORDINATION in roles or Role.VILLE in roles:
        return redirect("reporting:dashboard")
    if is_admin(request.user):
        return redirect("admin:index")
    return render(request, "no_role.html")


def csrf_failure(request, reason=""):
    """A French 403 for a missing or stale CSRF token (the reason stays in the server log only)."""
    return render(
        request,
        "403.html",
        {
            "message": "Le formulaire a expiré ou n'a pas pu être vérifié. "
            "Revenez à la page précédente, rechargez-la, puis envoyez-le de nouveau."
        },
        status=403,
    )


def permission_denied(request, exception=None):
    """The 403 page: the French reason of a `Refused`, else the general words
    (the message of any other refusal may be technical, and stays unsaid)."""
    message = str(exception) if isinstance(exception, Refused) else ""
    return render(request, "403.html", {"message": message}, status=403)


@login_not_required
@require_GET
def no_self_service(request):
    """Accounts are created, and passwords reset, by the installation's admin."""
    return render(request, "account/no_self_service.html")

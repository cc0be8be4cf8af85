from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from .accounts import LAST_SEEN, LOGIN_AT, TWO_FACTOR_CHECKED, has_totp, requires_two_factor
from .submissions import ALREADY_SUBMITTED, AlreadySubmitted


class NoStoreForUsersMiddleware:
    """Pages seen by a logged-in user are never kept by browsers or proxies:
    they may show personal data (back button on a shared computer)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
            response.headers["Cache-Control"] = "no-store, " + response.headers["Cache-Control"]
        return response


class SessionLifetimeMiddleware:
    """End a session 30 minutes after the last request noted (SESSION_IDLE_SECONDS)
    or 12 hours after its login (SESSION_MAX_AGE), whichever comes first.

    The time of the last request is noted at most once a minute, so that most
    pages cost no session write: a session ends after 29 to 30 minutes without
    a request (README, tests/test_authentication.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            login_at = request.session.setdefault(LOGIN_AT, now)
            last_seen = request.session.setdefault(LAST_SEEN, now)
            if now - last_seen > settings.SESSION_IDLE_SECONDS or now - login_at > settings.SESSION_MAX_AGE:
                logout(request)
                messages.info(request, "Votre session a expiré : reconnectez-vous.")
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if now - last_seen > 60:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


# Pages a user who must set up two-factor authentication may still open.
TWO_FACTOR_SETUP_VIEWS = {"account_logout", "logout", "account_reauthenticate"}


class RequireTwoFactorMiddleware:
    """The roles of MFA_REQUIRED_ROLES and admins must have a TOTP authenticator
    (core.accounts.requires_two_factor): until they do, every page sends them to
    its set-up. Checked at login (start_session), and here until the set-up is done."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.session.get(TWO_FACTOR_CHECKED):
            return None
        name = request.resolver_match.url_name if request.resolver_match else ""
        if name.startswith("mfa_") or name in TWO_FACTOR_SETUP_VIEWS:
            return None
        if not requires_two_factor(user) or has_totp(user):
            request.session[TWO_FACTOR_CHECKED] = True
            return None
        messages.warning(
            request,
            "Votre rôle impose la double authentification : activez-la avec une application "
            "d'authentification (par exemple FreeOTP, Aegis ou Google Authenticator) avant de continuer.",
        )
        return redirect("mfa_activate_totp")


class AlreadySubmittedMiddleware:
    """A create form sent twice (double click, back button, replay) goes to what
    the first submission created, with a message (core.submissions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AlreadySubmitted):
            return None
        messages.info(request, ALREADY_SUBMITTED)
        return redirect(exception.url)

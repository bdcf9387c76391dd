import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect

from . import authentication


class LanguageMiddleware:
    """Activate the user's saved language, else the language cookie, else Swedish.

    The browser's Accept-Language is ignored on purpose: the UI is Swedish unless someone chooses
    otherwise (DESIGN.md §5.7).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in self.supported:
            language = user.language
        elif cookie in self.supported:
            language = cookie
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


# Views a staff member may open before the second factor: logging in and out, setting up or
# entering the second factor, the language switch, and what the page shell needs.
SECOND_FACTOR_EXEMPT_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:set_language",
        "accounts:demo_login",
        "account_login",
        "account_logout",
        "account_inactive",
        "account_reauthenticate",
        "account_request_login_code",
        "account_confirm_login_code",
        "mfa_authenticate",
        "mfa_reauthenticate",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "socialaccount_login_cancelled",
        "socialaccount_login_error",
        "openid_connect_login",
        "openid_connect_callback",
        "healthz",
        "javascript-catalog",
        # The accessibility statement and its report form: also for someone stuck at the login.
        "accessibility:statement",
        "accessibility:report",
        "accessibility:report_sent",
    }
)


class RequireSecondFactorMiddleware:
    """Hold staff at the two-factor step until this session has completed it.

    A staff member without an authenticator is sent to set up TOTP; one with an authenticator (a
    session that skipped allauth's login, e.g. the admin login form) is asked for a code.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        exempt = request.resolver_match.view_name in SECOND_FACTOR_EXEMPT_VIEWS
        if not user.is_authenticated:
            if request.headers.get("HX-Request") and not exempt:
                # An htmx refresh after the session expired: send the whole page to the login
                # form instead of pasting the login form into a table.
                page = urlsplit(request.headers.get("HX-Current-URL", "/"))
                after = page.path + (f"?{page.query}" if page.query else "")
                login = reverse(settings.LOGIN_URL)
                return HttpResponseClientRedirect(f"{login}?{urlencode({'next': after})}")
            return None
        if exempt:
            return None
        if authentication.has_second_factor(request) or not authentication.needs_second_factor(
            user
        ):
            return None
        if authentication.has_authenticator(user):
            target = (
                f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}"
            )
        else:
            target = reverse("mfa_activate_totp")
        if request.headers.get("HX-Request"):
            return HttpResponseClientRedirect(target)
        return HttpResponseRedirect(target)


BACKGROUND_HEADER = "X-Digifys-Background"
# When SessionActivityMiddleware last renewed the session (seconds since the epoch); logging in
# starts a fresh session, which counts as renewed (accounts.apps connects `mark_renewed_at_login`).
RENEWED_AT_KEY = "_digifys_renewed_at"


def mark_renewed_at_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        session[RENEWED_AT_KEY] = int(time.time())


class SessionActivityMiddleware:
    """Log out after SESSION_COOKIE_AGE without activity; background refreshes do not count.

    live.js marks the requests it makes on its own (live updates, polling) with the header
    X-Digifys-Background, so a worklist left open on an unattended tablet still times out.
    Must come after SessionMiddleware (it runs first on the way out).

    Renewing means writing the session (an UPDATE and a commit); a page and the requests it makes
    right after would write it several times a second. So the session is renewed at most once
    per SESSION_RENEW_AFTER_SECONDS: it then ends between SESSION_COOKIE_AGE minus that interval
    and SESSION_COOKIE_AGE after the last activity (29–30 minutes by default), never later.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            session is not None
            and not request.headers.get(BACKGROUND_HEADER)
            and not session.is_empty()
            and response.status_code != 500
        ):
            now = int(time.time())
            if now - session.get(RENEWED_AT_KEY, 0) >= settings.SESSION_RENEW_AFTER_SECONDS:
                session[RENEWED_AT_KEY] = now  # marks the session modified: saved, renewed
        return response

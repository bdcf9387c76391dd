"""Middleware shared by every app."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from . import request_memo


class NoStoreMiddleware:
    """Tell browsers and proxies never to store a page or file this server renders.

    Almost every page shows resident data (names, vitals, consults, access-log extracts, photos),
    and a copy left in a shared tablet's or proxy's cache outlives the session that was allowed to
    see it. Deciding per view would let a new view forget it, so every response that passes here
    gets `Cache-Control: private, no-store`. Static files never reach this middleware (WhiteNoise,
    above it, answers them) and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True, no_store=True)
        return response


class RefuseNullCharactersMiddleware:
    """Answer 400 to a request whose query or form carries a NUL character.

    PostgreSQL cannot store or even compare text containing NUL (a 500 from any view that
    filters or saves such a value), and no browser form sends one. Refusing it here is one copy
    of the rule instead of a check in every view that reads a parameter.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sources = [request.GET]
        if request.method == "POST":
            sources.append(request.POST)
        for data in sources:
            for key, values in data.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    message = _("The request contained a character that is not allowed.")
                    if request.path.startswith("/fhir/"):
                        # The FHIR API answers every refusal with an OperationOutcome.
                        return JsonResponse(
                            {
                                "resourceType": "OperationOutcome",
                                "issue": [
                                    {"severity": "error", "code": "invalid", "diagnostics": message}
                                ],
                            },
                            status=400,
                            content_type="application/fhir+json",
                        )
                    return HttpResponseBadRequest(message)
        return self.get_response(request)


class RequestMemoMiddleware:
    """Give each GET and HEAD request a fresh per-request memo (see core/request_memo.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in request_memo.SAFE_METHODS:
            return self.get_response(request)
        with request_memo.scope():
            return self.get_response(request)

"""Middleware shared by every app."""

from django.utils.cache import patch_cache_control


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

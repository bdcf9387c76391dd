"""Access-matrix rows for the FHIR API (collected by core/tests/test_access_matrix.py).

The matrix logs personas in with a browser session; the API does not take a session as a
credential (only a client's bearer token), so every data route answers 401 to everybody, and a
session can never be used to read resident data through the API. What each persona's token may
read is tested per persona in fhir/tests/test_api.py
(`test_every_persona_gets_what_the_policy_gives_on_pages`). The CapabilityStatement is public.
"""

from digifys.fhir.routes import ROUTES
from digifys.testing.access_matrix import BAD_REQUEST, FORBIDDEN, NOT_FOUND, OK, everyone

UNAUTHORIZED = 401
METHOD_NOT_ALLOWED = 405


def _none(w):
    return {}


def _patient(w):
    return {"id": str(w.resident_mala.pk)}


def _kwargs(pattern: str):
    def build(w):
        kwargs = {"id": str(w.resident_mala.pk)} if "<str:id>" in pattern else {}
        return {**kwargs, "vid": "1"} if "<str:vid>" in pattern else kwargs

    return build


def _suffix(pattern: str) -> str:
    if "/$" in pattern:
        return pattern.rsplit("/$", 1)[1]
    if "_history/<" in pattern:
        return "vread"
    if pattern.endswith("/_history"):
        return "history"
    return "instance" if "<" in pattern else "type"


ROWS = {
    # Every GET route of the route table (the explicit rows below replace some of these).
    **{
        f"fhir:{route.pattern.split('/')[0]}-{_suffix(route.pattern)}": (
            _kwargs(route.pattern),
            "get",
            everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED),
        )
        for route in ROUTES
        if route.resource and route.method == "GET"
    },
    "fhir:metadata-type": (_none, "get", everyone(OK, anonymous=OK)),
    "fhir:base": (_none, "post", everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED)),
    "fhir:base-slash": (_none, "post", everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED)),
    "fhir:Patient-type": (_none, "get", everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED)),
    "fhir:Patient-instance": (_patient, "get", everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED)),
    "fhir:Observation-type": (_none, "get", everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED)),
    "fhir:Observation-instance": (
        lambda w: {"id": "1-hr"},
        "get",
        everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED),
    ),
    **{
        f"fhir:{resource}-{kind}": (
            (lambda w: {"id": str(w.unit_mala.pk)}) if kind == "instance" else _none,
            "get",
            everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED),
        )
        for resource in ("Practitioner", "PractitionerRole", "Organization", "CareTeam")
        for kind in ("type", "instance")
    },
    # SMART on FHIR discovery: public.
    "fhir:smart-configuration": (_none, "get", everyone(OK, anonymous=OK)),
    # The OAuth 2.0 authorization server (smart.py). The authorize page needs the login with its
    # second factor; without an app's request it shows the error page (400). The consent screen
    # itself is tested with a registered app in fhir/tests/test_smart*.py.
    "oauth:authorize": (_none, "get", everyone(BAD_REQUEST)),
    "oauth:token": (_none, "get", everyone(METHOD_NOT_ALLOWED, anonymous=METHOD_NOT_ALLOWED)),
    "oauth:revoke": (_none, "get", everyone(METHOD_NOT_ALLOWED, anonymous=METHOD_NOT_ALLOWED)),
    # OpenID Connect discovery and keys: public, and 404 while no signing key is configured (the
    # default; with a key they answer 200: fhir/tests/test_smart_openid.py).
    "oauth:openid-configuration": (_none, "get", everyone(NOT_FOUND, anonymous=NOT_FOUND)),
    "oauth:jwks": (_none, "get", everyone(NOT_FOUND, anonymous=NOT_FOUND)),
    # Introspection needs the client's own authentication, never a session.
    "oauth:introspect": (_none, "post", everyone(FORBIDDEN, anonymous=FORBIDDEN)),
    # Bulk export: the status URL and the files (system-level routes, not generated above).
    "fhir:$export-type": (_none, "get", everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED)),
    "fhir:$export-poll-status-instance": (
        lambda w: {"id": "1"},
        "get",
        everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED),
    ),
    "fhir:$export-file-instance": (
        lambda w: {"id": "1", "type": "Patient"},
        "get",
        everyone(UNAUTHORIZED, anonymous=UNAUTHORIZED),
    ),
    "fhir:unknown": (
        lambda w: {"rest": "Practitioner"},
        "get",
        everyone(NOT_FOUND, anonymous=NOT_FOUND),
    ),
}

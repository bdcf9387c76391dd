"""Bearer-token authentication and scope checks for the FHIR API.

A request carries `Authorization: Bearer <token>`: either the static token of a registered
`ApiClient` (prefix `dfy_`), or an OAuth 2.0 access token that django-oauth-toolkit issued
(smart.py: SMART Backend Services or SMART App Launch). Either way the request acts for one user:
everything is fetched through `visible_to(user)` as on that user's pages. Scopes narrow it per
resource and interaction: SMART v1 (`system/Observation.read`, `user/*.write`, `user/*.*`) or v2
(`system/Patient.rs`, `user/Observation.cruds`). A token from a standalone launch with
`launch/patient` carries the resident the user chose (`Principal.patient`); its `patient/…` read
scopes reach that resident's compartment only (compartment.py).
"""

import hashlib
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.oauth2_backends import get_oauthlib_core

from .errors import FhirError
from .models import ApiClient, LaunchContext

# What a static ApiClient token may be given (services.register_client).
SCOPE = re.compile(r"user/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)")
# Any SMART resource scope: v1 permissions, or v2 letters in the order c, r, u, d, s.
SMART_SCOPE = re.compile(
    r"(user|system|patient)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|(?=[cruds])c?r?u?d?s?)"
)
TOKEN_PREFIX = "dfy_"  # noqa: S105 - a marker, not a secret
# The SMART v2 letter an interaction needs (v1 `.read` covers r and s, `.write` c and u).
V2_LETTER = {"search-type": "s", "create": "c", "update": "u", "transaction": "c"}


def reads_only(permission: str) -> bool:
    """True when a scope's PERMISSION (v1 `read`, or v2 letters) grants reading only."""
    return permission == "read" or (
        permission not in ("write", "*") and set(permission) <= set("rs")
    )


@dataclass(frozen=True)
class Principal:
    """Who calls the API: a static ApiClient or an OAuth application, acting for USER."""

    pk: object  # the ApiClient's pk, or "oauth:<client_id>"
    name: str
    user: object
    scope_set: frozenset
    patient: int | None = None  # the launch context: the resident a patient-scoped token reads


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unauthorized(message: str) -> FhirError:
    return FhirError(
        401, "login", message, headers={"WWW-Authenticate": 'Bearer realm="digifys-fhir"'}
    )


def authenticate(request) -> Principal:
    """Return who the request's bearer token acts as, or raise a 401 FhirError."""
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized(_("Send an API token: Authorization: Bearer <token>."))
    if not token.startswith(TOKEN_PREFIX):
        return _oauth_principal(request)
    client = (
        ApiClient.objects.select_related("user__staff_profile")
        .filter(token_hash=token_hash(token))
        .first()
    )
    now = timezone.now()
    if (
        client is None
        or client.revoked_at is not None
        or client.expires_at <= now
        or not client.user.is_active
    ):
        raise _unauthorized(_("The API token is unknown, expired or revoked."))
    return Principal(client.pk, client.name, client.user, client.scope_set)


def _oauth_principal(request) -> Principal:
    """The principal of an access token issued by django-oauth-toolkit (validated by it)."""
    valid, oauth = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth, "access_token", None) if valid else None
    application = token.application if token is not None else None
    # App launch: the user who consented; backend services: the user the client acts for.
    user = (token.user or application.user) if application is not None else None
    if user is None or not user.is_active or not hasattr(application, "smart"):
        raise _unauthorized(_("The API token is unknown, expired or revoked."))
    # SmartValidator._load_access_token joined the launch context (a patient/ token's resident).
    try:
        patient = token.launch_context.resident_id
    except LaunchContext.DoesNotExist:
        patient = None
    return Principal(
        f"oauth:{application.client_id}",
        application.name,
        user,
        frozenset(token.scope.split()),
        patient,
    )


def api_client(principal) -> ApiClient:
    """The registered ApiClient behind PRINCIPAL (a static dfy_ token), or a 403 FhirError.

    Subscriptions and bulk exports belong to an ApiClient (they outlive any one request and are
    delivered to, and read back by, that client); an OAuth 2.0 token cannot own them yet.
    """
    if isinstance(principal, ApiClient):
        return principal
    if isinstance(principal.pk, int):
        client = ApiClient.objects.select_related("user").filter(pk=principal.pk).first()
        if client is not None:
            return client
    raise FhirError(
        403,
        "not-supported",
        _(
            "Subscriptions and bulk exports belong to a registered API client: use its token. "
            "OAuth 2.0 tokens cannot use them yet."
        ),
    )


def allows(
    scopes: frozenset[str],
    resource: str,
    access: str,
    interaction: str | None = None,
    patient_context: bool = False,
) -> bool:
    """True when SCOPES grant ACCESS ("read" or "write") to RESOURCE (for INTERACTION).

    `patient/` scopes count only for a token with a launch context (PATIENT_CONTEXT), and only
    for reading: the compartment check (compartment.py) keeps such a token to one resident.
    """
    letter = V2_LETTER.get(interaction or "", "r" if access == "read" else "c")
    for scope in scopes:
        match = SMART_SCOPE.fullmatch(scope)
        if not match or match[2] not in ("*", resource):
            continue
        if match[1] == "patient" and (not patient_context or access != "read"):
            continue
        if match[3] in ("*", access) or (match[3] not in ("read", "write") and letter in match[3]):
            return True
    return False


def require_scope(client, resource: str, access: str, interaction: str | None = None) -> None:
    patient = getattr(client, "patient", None) is not None
    if not allows(client.scope_set, resource, access, interaction, patient_context=patient):
        context = "system" if any(s.startswith("system/") for s in client.scope_set) else "user"
        context = "patient" if patient else context
        raise FhirError(
            403,
            "forbidden",
            _("The token has no scope for %(access)s access to %(resource)s: it needs %(scope)s.")
            % {"access": access, "resource": resource, "scope": f"{context}/{resource}.{access}"},
        )

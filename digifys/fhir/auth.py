"""Bearer-token authentication and scope checks for the FHIR API.

A request carries `Authorization: Bearer <token>` of a registered `ApiClient`. The client acts for
its user: everything is then fetched through `visible_to(user)` as on that user's pages. Scopes
narrow it per resource and interaction (`user/Observation.read`, `user/*.write`, `user/*.*`).
"""

import hashlib
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import FhirError
from .models import ApiClient

SCOPE = re.compile(r"user/(\*|[A-Z][A-Za-z]+)\.(read|write|\*)")
TOKEN_PREFIX = "dfy_"  # noqa: S105 - a marker, not a secret


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unauthorized(message: str) -> FhirError:
    return FhirError(
        401, "login", message, headers={"WWW-Authenticate": 'Bearer realm="digifys-fhir"'}
    )


def authenticate(request) -> ApiClient:
    """Return the active client of the request's bearer token, or raise a 401 FhirError."""
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized(_("Send an API token: Authorization: Bearer <token>."))
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
    return client


def allows(scopes: frozenset[str], resource: str, access: str) -> bool:
    """True when SCOPES grant ACCESS ("read" or "write") to RESOURCE."""
    for scope in scopes:
        match = SCOPE.fullmatch(scope)
        if match and match[1] in ("*", resource) and match[2] in ("*", access):
            return True
    return False


def require_scope(client: ApiClient, resource: str, access: str) -> None:
    if not allows(client.scope_set, resource, access):
        raise FhirError(
            403,
            "forbidden",
            _("The API client has no scope for %(access)s access to %(resource)s.")
            % {"access": access, "resource": resource},
        )

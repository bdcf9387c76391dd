"""Writes of the FHIR API: client registration, and vital signs that arrive through the API.

Vital signs from the API go through `vitals.services.record_observation`, the same service as the
vitals form: the same parser and limits, NEWS2 scoring, the unit's escalation table, the live
worklist and the access log. The identifiers a client gives its Observations are kept beside the
set so that a retry is recognised (conditional create) and never duplicates.
"""

import datetime
import secrets

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_application_model

from digifys.accounts.models import Role
from digifys.residents.models import Resident
from digifys.vitals import services as vitals_services
from digifys.vitals.models import Observation

from .auth import SCOPE, SMART_SCOPE, TOKEN_PREFIX, reads_only, token_hash
from .errors import FhirError
from .models import ApiClient, ObservationIdentifier, SmartClient

DEFAULT_LIFETIME = datetime.timedelta(days=90)
Application = get_application_model()


@transaction.atomic
def register_client(
    *, actor, user, name: str, scopes: str, lifetime: datetime.timedelta = DEFAULT_LIFETIME
) -> tuple[ApiClient, str]:
    """Register an API client acting for USER; return it and its token (shown only now)."""
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise PermissionDenied(_("Only administrators register API clients."))
    scope_list = scopes.split()
    bad = [scope for scope in scope_list if not SCOPE.fullmatch(scope)]
    if not scope_list or bad:
        raise ValueError(f"scopes must look like user/Patient.read or user/*.write: {bad}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    client = ApiClient.objects.create(
        name=name.strip(),
        user=user,
        scopes=" ".join(scope_list),
        token_hash=token_hash(token),
        created_at=now,
        created_by=actor,
        expires_at=now + lifetime,
    )
    return client, token


@transaction.atomic
def revoke_client(*, actor, client: ApiClient) -> ApiClient:
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise PermissionDenied(_("Only administrators revoke API clients."))
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


def _smart_scopes(scopes: str, contexts: tuple[str, ...], extra: frozenset = frozenset()) -> str:
    """SCOPES as registered: SMART scopes of CONTEXTS (patient/ scopes read only) or EXTRA."""
    scope_list = scopes.split()
    bad = []
    for scope in scope_list:
        match = SMART_SCOPE.fullmatch(scope)
        if scope in extra:
            continue
        if (
            not match
            or match[1] not in contexts
            or (match[1] == "patient" and not reads_only(match[3]))
        ):
            bad.append(scope)
    if not scope_list or bad:
        raise ValueError(
            f"scopes must look like {contexts[0]}/Patient.read or {contexts[0]}/*.read: {bad}"
        )
    return " ".join(scope_list)


@transaction.atomic
def register_backend_client(
    *, actor, user, name: str, scopes: str, jwks=None, jwks_uri: str = ""
) -> SmartClient:
    """Register a SMART Backend Services client acting for USER, authenticated by the keys of
    its JWKS: given here (JWKS) or published by the client at JWKS_URI (fetched when needed,
    jwks.py)."""
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise PermissionDenied(_("Only administrators register API clients."))
    return create_backend_client(
        created_by=actor, user=user, name=name, scopes=scopes, jwks=jwks, jwks_uri=jwks_uri
    )


@transaction.atomic
def create_backend_client(
    *, created_by, user, name: str, scopes: str, jwks=None, jwks_uri: str = ""
) -> SmartClient:
    """The registration itself, for a caller that has checked who may register (an
    administrator above; a testbed company for its own sandbox, testbed.services)."""
    from .jwks import public_jwks, uri_problem  # jwks -> subscriptions -> handlers -> here

    scope_text = _smart_scopes(scopes, ("system",))
    if (jwks is None) == (not jwks_uri):
        raise ValueError("Give either the JWKS or its jwks_uri.")
    keys = public_jwks(jwks) if jwks is not None else None
    if jwks_uri and (problem := uri_problem(jwks_uri)):
        raise ValueError(problem)
    application = Application.objects.create(
        name=name.strip(),
        user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        # Never used: a client with keys authenticates with a signed assertion only.
        client_secret=secrets.token_urlsafe(48),
        algorithm=Application.NO_ALGORITHM,
    )
    return SmartClient.objects.create(
        application=application,
        scopes=scope_text,
        jwks=keys,
        jwks_uri=jwks_uri,
        created_by=created_by,
    )


@transaction.atomic
def register_launch_app(*, actor, name: str, redirect_uris: str, scopes: str) -> SmartClient:
    """Register a SMART App Launch app (public client, authorization code with PKCE S256)."""
    if getattr(actor, "role", None) != Role.ADMINISTRATOR:
        raise PermissionDenied(_("Only administrators register API clients."))
    from .smart import LAUNCH_PATIENT, OIDC_SCOPES, OPENID, oidc_enabled

    # openid and fhirUser only while the server can issue the id_token they ask for.
    extra = {LAUNCH_PATIENT, *(OIDC_SCOPES if oidc_enabled() else ())}
    scope_text = _smart_scopes(scopes, ("user", "patient"), frozenset(extra))
    application = Application(
        name=name.strip(),
        user=None,
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris.split()),
        client_secret="",
        # DOT signs an app's id_tokens with its algorithm: RS256 is the server's OIDC key.
        algorithm=(
            Application.RS256_ALGORITHM
            if OPENID in scope_text.split()
            else Application.NO_ALGORITHM
        ),
    )
    application.full_clean(exclude=["client_secret", "client_id", "user"])  # redirect URIs
    application.save()
    return SmartClient.objects.create(application=application, scopes=scope_text, created_by=actor)


def lock_residents(pks) -> None:
    """Serialise API writes for these (already policy-checked) residents until the transaction
    ends, so that simultaneous retries of a conditional create see each other. Locked in pk
    order, so two writers never wait for each other crosswise; SQLite serialises writers itself.

    FOR NO KEY UPDATE, not FOR UPDATE: writers still exclude each other, but a row that merely
    refers to the resident (an access-log entry's foreign-key check takes FOR KEY SHARE) is not
    held up. Otherwise a read that holds the access log's chain head waits here for the writer,
    and the writer, logging its own write, waits for the chain head: a deadlock (PostgreSQL
    ends one with a 500), found by bench/fhir_load.py.
    """
    residents = Resident.objects.select_for_update(no_key=True).filter(pk__in=pks)
    list(residents.order_by("pk").values_list("pk"))


@transaction.atomic
def record_vitals(
    *,
    actor,
    resident: Resident,
    measured_at: datetime.datetime,
    values: dict,
    identifiers: list[tuple[str, str, str]],
    request=None,
) -> Observation:
    """Store one set of vital signs sent through the API, with IDENTIFIERS (part, system, value).

    Raise a 409 FhirError when one of the identifiers is already in use for the resident.
    """
    taken = [
        (system, value)
        for _part, system, value in identifiers
        if ObservationIdentifier.objects.filter(
            resident=resident, system=system, value=value
        ).exists()
    ]
    if taken:
        raise FhirError(
            409,
            "duplicate",
            _("An observation with this identifier already exists for the patient."),
            expression=["Observation.identifier"],
        )
    observation = vitals_services.record_observation(
        actor=actor,
        resident=resident,
        measured_at=measured_at,
        source=Observation.Source.DEVICE,
        request=request,
        **values,
    )
    try:
        with transaction.atomic():
            ObservationIdentifier.objects.bulk_create(
                ObservationIdentifier(
                    resident=resident,
                    observation=observation,
                    part=part,
                    system=system,
                    value=value,
                )
                for part, system, value in identifiers
            )
    except IntegrityError as error:  # the same identifier twice in one request, or a race
        raise FhirError(
            409,
            "duplicate",
            _("An observation with this identifier already exists for the patient."),
            expression=["Observation.identifier"],
        ) from error
    return observation

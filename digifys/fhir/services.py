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

from digifys.accounts.models import Role
from digifys.residents.models import Resident
from digifys.vitals import services as vitals_services
from digifys.vitals.models import Observation

from .auth import SCOPE, TOKEN_PREFIX, token_hash
from .errors import FhirError
from .models import ApiClient, ObservationIdentifier

DEFAULT_LIFETIME = datetime.timedelta(days=90)


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


def lock_residents(pks) -> None:
    """Serialise API writes for these (already policy-checked) residents until the transaction
    ends, so that simultaneous retries of a conditional create see each other. Locked in pk
    order, so two writers never wait for each other crosswise; SQLite serialises writers itself.
    """
    list(Resident.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))


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

"""Resource versions: `meta.versionId`, the ETag, `If-Match`, and `_history` Bundles.

digifys keeps history for some records only (a consent's registrations, changes and revocation;
a nurse task's status; a booking's or an order's cancellation). A resource of those is served
with every version it has had, derived from those records. Every other resource is served as
version 1, and its `_history` holds the current version only (the CapabilityStatement says
which resources are which).
"""

import re

from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.meta import Meta

from .errors import FhirError

IF_MATCH = re.compile(r'\s*(?:W/)?"?([0-9]{1,9})"?\s*')


def stamp(resource, version_id: str = "1"):
    """Give RESOURCE its meta.versionId (only when it has none) and return it."""
    if resource.meta is None:
        resource.meta = Meta(versionId=version_id)
    elif resource.meta.versionId is None:
        resource.meta.versionId = version_id
    return resource


def etag(resource) -> dict:
    version = resource.meta.versionId if resource.meta is not None else None
    return {"ETag": f'W/"{version}"'} if version else {}


def check_if_match(request, current: str) -> None:
    """Refuse (412) an update whose If-Match names another version than CURRENT."""
    header = request.headers.get("If-Match")
    if header is None:
        return
    match = IF_MATCH.fullmatch(header)
    if match is None:
        raise FhirError(
            400,
            "invalid",
            _('If-Match takes the version as the ETag gives it, e.g. W/"1".'),
            expression=["If-Match"],
        )
    if match[1] != current:
        raise FhirError(
            412,
            "conflict",
            _("The resource has changed: it is at version %(current)s, not %(given)s.")
            % {"current": current, "given": match[1]},
            expression=["If-Match"],
        )


def history_bundle(base: str, resource_type: str, versions: list) -> Bundle:
    """A history Bundle of VERSIONS (oldest first in the list; newest first in the Bundle)."""
    entries = []
    for number, resource in reversed(list(enumerate(versions, start=1))):
        entries.append(
            {
                "fullUrl": f"{base}/{resource_type}/{resource.id}",
                "resource": resource,
                "request": {
                    "method": "POST" if number == 1 else "PUT",
                    "url": resource_type if number == 1 else f"{resource_type}/{resource.id}",
                },
                "response": {
                    "status": "201 Created" if number == 1 else "200 OK",
                    "etag": f'W/"{number}"',
                },
            }
        )
    return Bundle.model_validate(
        {"resourceType": "Bundle", "type": "history", "total": len(entries), "entry": entries}
    )


def not_found_version(resource_type: str, id: str, version: str) -> FhirError:
    return FhirError(
        404,
        "not-found",
        _("%(resource)s/%(id)s has no version %(version)s.")
        % {"resource": resource_type, "id": id[:64], "version": version[:20]},
    )

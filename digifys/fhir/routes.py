"""The route table of the FHIR API: every interaction, its URL, method, handler and scope.

The URL patterns (urls.py) and the CapabilityStatement (`/metadata`) are both generated from it,
so what the server says it does is what it does.
"""

from dataclasses import dataclass, field

from . import handlers


@dataclass(frozen=True)
class Route:
    resource: str | None  # None: a system-level interaction
    interaction: str  # FHIR interaction code (read, search-type, create, transaction, …)
    method: str
    pattern: str  # relative to the base, Django path syntax
    handler: object
    access: str | None  # scope needed: "read" or "write"; None: no token needed
    search_params: dict = field(default_factory=dict)
    conditional_create: bool = False


COMMON = {
    "_id": ("token", "Logical id (comma-separated for several)."),
    "_count": ("number", "Results per page, 0–100 (default 20)."),
    "_sort": ("special", "Sort keys, '-' for descending."),
}

ROUTES = (
    Route(None, "capabilities", "GET", "metadata", handlers.capabilities, None),
    Route(None, "transaction", "POST", "", handlers.transaction_bundle, "write"),
    Route("Patient", "read", "GET", "Patient/<str:id>", handlers.patient_read, "read"),
    Route(
        "Patient",
        "search-type",
        "GET",
        "Patient",
        handlers.patient_search,
        "read",
        {
            **COMMON,
            "identifier": ("token", "Personnummer or samordningsnummer: system|value."),
            "family": ("string", "Family name starts with."),
            "active": ("token", "true: living in the nursing home now."),
        },
    ),
    Route("Observation", "read", "GET", "Observation/<str:id>", handlers.observation_read, "read"),
    Route(
        "Observation",
        "search-type",
        "GET",
        "Observation",
        handlers.observation_search,
        "read",
        {
            **COMMON,
            "subject": ("reference", "Patient/<id>."),
            "patient": ("reference", "Patient/<id>."),
            "code": ("token", "LOINC, SNOMED CT (NEWS2) or digifys code: system|code."),
            "date": ("date", "Time of measurement; prefixes eq, lt, le, gt, ge."),
            "_lastUpdated": ("date", "Time recorded; prefixes eq, lt, le, gt, ge."),
            "status": ("token", "Always final."),
            "category": ("token", "vital-signs or survey (NEWS2)."),
            "identifier": ("token", "An identifier the sending client gave: system|value."),
        },
    ),
    Route(
        "Practitioner",
        "read",
        "GET",
        "Practitioner/<str:id>",
        handlers.practitioner_read,
        "read",
    ),
    Route(
        "Practitioner",
        "search-type",
        "GET",
        "Practitioner",
        handlers.practitioner_search,
        "read",
        {
            **COMMON,
            "identifier": ("token", "HSA-id: urn:oid:1.2.752.29.4.19|value."),
            "name": ("string", "Family or given name starts with."),
        },
    ),
    Route(
        "PractitionerRole",
        "read",
        "GET",
        "PractitionerRole/<str:id>",
        handlers.practitioner_role_read,
        "read",
    ),
    Route(
        "PractitionerRole",
        "search-type",
        "GET",
        "PractitionerRole",
        handlers.practitioner_role_search,
        "read",
        {
            **COMMON,
            "practitioner": ("reference", "Practitioner/<id>."),
            "organization": ("reference", "Organization/<id> (the employer)."),
            "role": ("token", "physician, nurse or assistant_nurse (digifys codes)."),
        },
    ),
    Route(
        "Organization",
        "read",
        "GET",
        "Organization/<str:id>",
        handlers.organization_read,
        "read",
    ),
    Route(
        "Organization",
        "search-type",
        "GET",
        "Organization",
        handlers.organization_search,
        "read",
        {
            **COMMON,
            "identifier": ("token", "HSA-id: urn:oid:1.2.752.29.4.19|value."),
            "name": ("string", "Name contains."),
            "partof": ("reference", "Organization/<id>: the parent in the hierarchy."),
            "type": ("token", "region, municipality, nursing_home, unit, virtual_clinic, …"),
        },
    ),
    Route("CareTeam", "read", "GET", "CareTeam/<str:id>", handlers.careteam_read, "read"),
    Route(
        "CareTeam",
        "search-type",
        "GET",
        "CareTeam",
        handlers.careteam_search,
        "read",
        {
            **COMMON,
            "patient": ("reference", "Patient/<id>."),
            "subject": ("reference", "Patient/<id>."),
            "participant": ("reference", "Practitioner/<id>: the residents of a panel."),
        },
    ),
    Route(
        "Observation",
        "create",
        "POST",
        "Observation",
        handlers.observation_create,
        "write",
        conditional_create=True,
    ),
)

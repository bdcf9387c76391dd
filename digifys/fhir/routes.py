"""The route table of the FHIR API: every interaction, its URL, method, handler and scope.

The URL patterns (urls.py) and the CapabilityStatement (`/metadata`) are both generated from it,
so what the server says it does is what it does.
"""

from dataclasses import dataclass, field

from . import bulk, handlers, kinds, subscriptions
from .resources import KINDS


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
    history: str = ""  # resource-level: what its versions are (CapabilityStatement documentation)
    operation: str = ""  # an $operation: its OperationDefinition (canonical URL)


NO_HISTORY = (
    "digifys keeps no history of this resource: vread and _history give the current version "
    "only, as version 1."
)

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
            "value-quantity": (
                "quantity",
                "The value of a one-value vital sign or the NEWS2 total: [prefix]number, "
                "prefixes eq (within the number's precision), ne, lt, le, gt, ge.",
            ),
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


def _current_only(resource: str, read) -> tuple:
    vread, history = kinds.current_only(resource, read)
    return (
        Route(
            resource,
            "vread",
            "GET",
            f"{resource}/<str:id>/_history/<str:vid>",
            vread,
            "read",
            history=NO_HISTORY,
        ),
        Route(
            resource,
            "history-instance",
            "GET",
            f"{resource}/<str:id>/_history",
            history,
            "read",
            history=NO_HISTORY,
        ),
    )


def _kind_routes(kind: kinds.Kind) -> tuple:
    history = kind.history_doc if kind.versioned else NO_HISTORY
    return (
        Route(
            kind.resource,
            "read",
            "GET",
            f"{kind.resource}/<str:id>",
            kinds.make_read(kind),
            "read",
            history=history,
        ),
        Route(
            kind.resource,
            "vread",
            "GET",
            f"{kind.resource}/<str:id>/_history/<str:vid>",
            kinds.make_vread(kind),
            "read",
            history=history,
        ),
        Route(
            kind.resource,
            "history-instance",
            "GET",
            f"{kind.resource}/<str:id>/_history",
            kinds.make_history(kind),
            "read",
            history=history,
        ),
        Route(
            kind.resource,
            "search-type",
            "GET",
            kind.resource,
            kinds.make_search(kind),
            "read",
            {name: (param.type, param.doc) for name, param in kind.params.items()}
            | {
                "_count": COMMON["_count"],
                "_sort": (
                    "special",
                    "Sort keys: " + ", ".join(sorted(kind.sort)) + "; '-' for descending.",
                ),
            },
            history=history,
        ),
    )


EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"
GROUP_EXPORT = "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"
# digifys' own operation (no published OperationDefinition): a subscription's delivery log.
DELIVERY_LOG = "urn:digifys:fhir:OperationDefinition/subscription-delivery-log"

SUBSCRIPTION_ROUTES = (
    Route(
        "Subscription", "create", "POST", "Subscription", subscriptions.subscription_create, "write"
    ),
    Route(
        "Subscription",
        "read",
        "GET",
        "Subscription/<str:id>",
        subscriptions.subscription_read,
        "read",
    ),
    Route(
        "Subscription",
        "search-type",
        "GET",
        "Subscription",
        subscriptions.subscription_search,
        "read",
        {
            "_id": COMMON["_id"],
            "status": ("token", "requested, active, error or off."),
            "_count": COMMON["_count"],
        },
    ),
    Route(
        "Subscription",
        "delivery-log",
        "GET",
        "Subscription/<str:id>/$delivery-log",
        subscriptions.subscription_log,
        "read",
        operation=DELIVERY_LOG,
    ),
    Route(
        "Subscription",
        "update",
        "PUT",
        "Subscription/<str:id>",
        subscriptions.subscription_update,
        "write",
    ),
    Route(
        "Subscription",
        "delete",
        "DELETE",
        "Subscription/<str:id>",
        subscriptions.subscription_delete,
        "write",
    ),
)

BULK_ROUTES = (
    Route(None, "export", "GET", "$export", bulk.export_system, "read", operation=EXPORT),
    Route(
        "Group",
        "export",
        "GET",
        "Group/<str:id>/$export",
        bulk.export_group,
        "read",
        operation=GROUP_EXPORT,
    ),
    Route(None, "export-status", "GET", "$export-poll-status/<str:id>", bulk.export_status, "read"),
    Route(
        None, "export-cancel", "DELETE", "$export-poll-status/<str:id>", bulk.export_cancel, "read"
    ),
    Route(None, "export-file", "GET", "$export-file/<str:id>/<str:type>", bulk.export_file, "read"),
)

ROUTES = (
    *ROUTES,
    *SUBSCRIPTION_ROUTES,
    *BULK_ROUTES,
    *_current_only("Patient", handlers.patient_read),
    *_current_only("Observation", handlers.observation_read),
    *_current_only("Practitioner", handlers.practitioner_read),
    *_current_only("PractitionerRole", handlers.practitioner_role_read),
    *_current_only("Organization", handlers.organization_read),
    *_current_only("CareTeam", handlers.careteam_read),
    *(route for kind in KINDS for route in _kind_routes(kind)),
    Route("Task", "update", "PUT", "Task/<str:id>", handlers.task_update, "write"),
    Route(
        "Communication", "create", "POST", "Communication", handlers.communication_create, "write"
    ),
    Route("Appointment", "create", "POST", "Appointment", handlers.appointment_create, "write"),
    Route(
        "Appointment", "update", "PUT", "Appointment/<str:id>", handlers.appointment_update, "write"
    ),
)

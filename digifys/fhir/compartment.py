"""The patient compartment of a token from a standalone SMART launch (`launch/patient`).

Such a token (auth.Principal.patient set) reads one resident's records and nothing else:

- only resource types with a `patient` search parameter in the route table, and Patient itself
  (the compartment's types, derived from the routes, never listed by hand); read interactions
  only; anything else is 403;
- Patient/<id> and its versions only for the launch resident (another id: 404, as for a
  resident the user may not see);
- a search is narrowed to the resident (`patient=Patient/<id>`, or `_id` for Patient); a search
  that names another resident is 403;
- every answer is checked before it leaves: each Patient it holds, and each reference to a
  Patient, must be the launch resident, and a single resource must refer to that resident.
"""

import functools
import json
import re

from django.http import QueryDict
from django.utils.translation import gettext as _

from .errors import FhirError

PATIENT_REFERENCE = re.compile(r"(?:^|/)Patient/([^/]+)$")
SEARCH_NAMES = ("patient", "subject")


@functools.cache
def types() -> frozenset[str]:
    """The resource types of the patient compartment, from the route table."""
    from .routes import ROUTES  # the routes name the handlers, which import this module

    return frozenset(
        route.resource
        for route in ROUTES
        if route.interaction == "search-type" and "patient" in route.search_params
    ) | {"Patient"}


def _outside(resource: str) -> FhirError:
    return FhirError(
        403,
        "forbidden",
        _(
            "This token is for one resident and reads that resident's records only: "
            "%(resource)s is outside them."
        )
        % {"resource": resource},
    )


def _ids(values: list[str]) -> set[str]:
    return {item.strip().removeprefix("Patient/") for value in values for item in value.split(",")}


def enter(patient: int, route, kwargs: dict, params: QueryDict) -> QueryDict:
    """Refuse ROUTE for a token of PATIENT unless it stays in the compartment; return the search
    parameters narrowed to the resident."""
    if route.access is None:
        return params
    if route.resource not in types() or route.access != "read":
        raise _outside(route.resource or _("this interaction"))
    own = str(patient)
    if route.resource == "Patient" and "id" in kwargs and kwargs["id"] != own:
        raise FhirError(404, "not-found", _("Not found."))
    if route.interaction != "search-type":
        return params
    narrowed = params.copy()
    names = ("_id",) if route.resource == "Patient" else SEARCH_NAMES
    given = [value for name in names for value in params.getlist(name)]
    if given and _ids(given) != {own}:
        raise _outside(_("another resident"))
    if not given:
        narrowed.setlist(names[0], [own if names[0] == "_id" else f"Patient/{own}"])
    return narrowed


def _walk(node, patients: set, references: set) -> None:
    if isinstance(node, dict):
        if node.get("resourceType") == "Patient" and "id" in node:
            patients.add(str(node["id"]))
        reference = node.get("reference")
        if isinstance(reference, str):
            match = PATIENT_REFERENCE.search(reference)
            if match:
                references.add(match[1])
        for value in node.values():
            _walk(value, patients, references)
    elif isinstance(node, list):
        for value in node:
            _walk(value, patients, references)


def check(patient: int, route, resource) -> None:
    """Refuse an answer that holds or names another resident than PATIENT (a 404 for a single
    resource that is not the resident's)."""
    if route.access is None or not hasattr(resource, "model_dump_json"):
        return
    data = json.loads(resource.model_dump_json(exclude_none=True))
    patients, references = set(), set()
    _walk(data, patients, references)
    own = str(patient)
    foreign = (patients | references) - {own}
    single = route.interaction in ("read", "vread") and data.get("resourceType") != "Patient"
    if foreign or (single and own not in references):
        if route.interaction == "search-type":
            raise _outside(_("another resident"))
        raise FhirError(404, "not-found", _("Not found."))

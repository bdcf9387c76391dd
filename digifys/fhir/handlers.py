"""One handler per interaction. Each takes the request context (`Context`) and the path's
arguments and returns `Result`; refusals are raised as `FhirError` (errors.py).

Every resident-linked row is fetched through `visible_to(user)` of the client's user, and every
response that shows residents writes one access-log "read" entry per resident shown.
"""

import decimal
import json
import re
from collections import OrderedDict
from urllib.parse import parse_qs

from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.observation import Observation as FhirObservation
from pydantic import ValidationError as PydanticError

from digifys.accounts.models import Role
from digifys.directory.models import Organisation, StaffProfile
from digifys.residents import selectors as resident_selectors
from digifys.residents.models import Resident
from digifys.vitals import services as vitals_services
from digifys.vitals.models import Observation

from . import auth, codes, search, services
from .context import Context, Result, one
from .context import log_read as _log_read
from .errors import FhirError, outcome
from .mappers import careteam as careteam_mapper
from .mappers import observation as observation_mapper
from .mappers import organization as organization_mapper
from .mappers import patient as patient_mapper
from .mappers import practitioner as practitioner_mapper
from .models import ObservationIdentifier

CLINICAL = (Role.NURSE, Role.ASSISTANT_NURSE, Role.PHYSICIAN)
STAFF = (*CLINICAL, Role.COORDINATOR)
OBSERVATION_ID = re.compile(r"(\d{1,18})-([a-z0-9]+)")


def _require_role(ctx: Context, roles) -> None:
    if getattr(ctx.user, "role", None) not in roles:
        raise FhirError(
            403, "forbidden", _("This API client's user has no access to this resource type.")
        )


def _not_found(resource: str, id: str) -> FhirError:
    return FhirError(
        404,
        "not-found",
        _("%(resource)s/%(id)s is not known or not visible to this client.")
        % {"resource": resource, "id": id[:64]},
    )


# --- CapabilityStatement ---------------------------------------------------------------------


def capabilities(ctx: Context) -> Result:
    """The CapabilityStatement, generated from the route table (ctx.routes)."""
    by_type: OrderedDict[str, dict] = OrderedDict()
    system = []
    operations = []
    for route in ctx.routes:
        if route.resource is None:
            if route.interaction in ("transaction", "batch"):
                system.append({"code": route.interaction})
            if route.operation:
                operations.append({"name": route.interaction, "definition": route.operation})
            continue
        entry = by_type.setdefault(
            route.resource,
            {"type": route.resource, "interaction": [], "searchParam": []},
        )
        if route.operation:
            entry.setdefault("operation", []).append(
                {"name": route.interaction, "definition": route.operation}
            )
            continue
        entry["interaction"].append({"code": route.interaction})
        if route.conditional_create:
            entry["conditionalCreate"] = True
        if route.history:
            entry["documentation"] = route.history
        if route.interaction == "vread":
            entry["versioning"] = "versioned"
            entry["readHistory"] = True
        if route.interaction == "update":
            entry["updateCreate"] = False
            entry["conditionalUpdate"] = False
        for name, (kind, doc) in route.search_params.items():
            entry["searchParam"].append({"name": name, "type": kind, "documentation": doc})
    for entry in by_type.values():
        for empty in ("searchParam", "interaction"):
            if not entry[empty]:
                del entry[empty]
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-04",
        "kind": "instance",
        "software": {"name": "digifys"},
        "implementation": {"description": "digifys FHIR R4 API", "url": ctx.base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/"
                            "oauth-uris",
                            "extension": [
                                {"url": name, "valueUri": _absolute(ctx, url)}
                                for name, url in (
                                    ("authorize", "oauth:authorize"),
                                    ("token", "oauth:token"),
                                    ("introspect", "oauth:introspect"),
                                    ("revoke", "oauth:revoke"),
                                )
                            ],
                        }
                    ],
                    "description": (
                        "OAuth 2.0 / SMART on FHIR: backend services (client credentials with a "
                        "signed JWT assertion) and standalone app launch (authorization code "
                        "with PKCE); see .well-known/smart-configuration. The bearer token of a "
                        "registered API client also works (docs/api.md)."
                    ),
                },
                "resource": list(by_type.values()),
                **({"interaction": system} if system else {}),
                **({"operation": operations} if operations else {}),
            }
        ],
    }
    return Result(200, CapabilityStatement.model_validate(statement))


def _absolute(ctx: Context, name: str) -> str:
    return ctx.request.build_absolute_uri(reverse(name))


# --- Patient ---------------------------------------------------------------------------------

PATIENT_SORT = {
    "family": "family_name",
    "given": "given_name",
    "birthdate": "birth_date",
    "_id": "pk",
}
PATIENT_PARAMS = {"_id", "identifier", "family", "active", "_sort", "_count", "_offset"}


def patient_read(ctx: Context, id: str) -> Result:
    _require_role(ctx, STAFF)
    resident = one(
        Resident.objects.visible_to(ctx.user)
        .select_related("unit")
        .filter(pk=int(id) if id.isascii() and id.isdigit() and len(id) < 19 else None)
    )
    if resident is None:
        raise _not_found("Patient", id)
    _log_read(ctx, [resident], "fhir_patient", resident.pk)
    return Result(200, patient_mapper.to_fhir(resident))


def patient_search(ctx: Context, params: QueryDict) -> Result:
    _require_role(ctx, STAFF)
    params = search.known(params, PATIENT_PARAMS, strict=search.is_strict(ctx.request))
    count, offset = search.count_and_offset(params)
    residents = Resident.objects.visible_to(ctx.user).select_related("unit")
    ids = search.single(params, "_id")
    if ids is not None:
        residents = residents.filter(pk__in=_digits(ids.split(",")))
    value = search.single(params, "identifier")
    if value is not None:
        condition = Q(pk__in=[])
        for system, code in search.tokens(value):
            kinds = [k for k, s in codes.IDENTIFIER_SYSTEMS.items() if system in (None, s)]
            condition |= Q(identity_number=code, identity_kind__in=kinds)
        residents = residents.filter(condition)
    family = search.single(params, "family")
    if family is not None:
        residents = residents.filter(family_name__istartswith=family[:100])
    active = search.single(params, "active")
    if active is not None:
        if active not in ("true", "false"):
            raise search.bad(_("active takes true or false."), "active")
        status = Resident.Status.ACTIVE
        residents = (
            residents.filter(status=status)
            if active == "true"
            else residents.exclude(status=status)
        )
    residents = residents.order_by(
        *search.sort_keys(params, PATIENT_SORT, ["family_name", "given_name"]), "pk"
    )
    total = residents.count()
    page = list(residents[offset : offset + count])
    _log_read(ctx, page, "fhir_patient")
    resources = [patient_mapper.to_fhir(r) for r in page]
    bundle = search.searchset(params, f"{ctx.base}/Patient", resources, total, count, offset)
    return Result(200, bundle)


def _digits(values) -> list[int]:
    return [int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19]


# --- Observation -----------------------------------------------------------------------------

_PART_FIELDS = {
    "acvpu": (),
    "rr": ("respiratory_rate",),
    "spo2": ("spo2",),
    "o2": ("on_oxygen",),
    "bp": ("systolic_bp", "diastolic_bp"),
    "hr": ("pulse",),
    "temp": ("temperature",),
    "weight": ("weight",),
    "news2": ("news2_total",),
}
_LIGHT_FIELDS = (
    "id",
    "respiratory_rate",
    "spo2",
    "on_oxygen",
    "systolic_bp",
    "diastolic_bp",
    "pulse",
    "consciousness",
    "temperature",
    "weight",
    "news2_total",
)
OBSERVATION_SORT = {"date": "measured_at", "_lastUpdated": "recorded_at"}


def observation_read(ctx: Context, id: str) -> Result:
    _require_role(ctx, CLINICAL)
    match = OBSERVATION_ID.fullmatch(id)
    vitals = None
    if match and match[2] in codes.PARTS:
        vitals = one(
            Observation.objects.visible_to(ctx.user)
            .select_related("resident")
            .filter(pk=int(match[1]))
        )
    if vitals is None or match[2] not in observation_mapper.parts(vitals):
        raise _not_found("Observation", id)
    _log_read(ctx, [vitals.resident], "fhir_observation", id)
    identifiers = _identifiers([vitals])[vitals.pk]
    resource = observation_mapper.to_fhir(vitals, match[2], identifiers)
    return Result(200, resource)


def _identifiers(sets) -> dict[int, list]:
    """{set id: the identifiers clients gave it}, asking only about the sets that can have any:
    identifiers are stored only with sets that came through the API (services.record_vitals,
    source "device"), so reading sets entered by staff needs no query for them."""
    from_api = [vitals for vitals in sets if vitals.source == Observation.Source.DEVICE]
    prefetch_related_objects(from_api, "fhir_identifiers")
    found: dict[int, list] = {vitals.pk: [] for vitals in sets}
    for vitals in from_api:
        found[vitals.pk] = list(vitals.fhir_identifiers.all())
    return found


def _observation_query(ctx: Context, params: QueryDict):
    """An Observation search's sets (visible to the client's user, filtered, in order) and what
    of them matches: (sets, the parts asked for, {set id: parts} or None, a value test or None)."""
    sets = Observation.objects.visible_to(ctx.user)
    wanted_parts = set(codes.PARTS)
    restrict: dict[int, set[str]] | None = None
    ids = search.single(params, "_id")
    if ids is not None:
        restrict = {}
        for item in ids.split(","):
            match = OBSERVATION_ID.fullmatch(item)
            if match:
                restrict.setdefault(int(match[1]), set()).add(match[2])
    patients = [
        search.reference_ids(params, "subject", "Patient"),
        search.reference_ids(params, "patient", "Patient"),
    ]
    for patient_ids in patients:
        if patient_ids is not None:
            sets = sets.filter(resident_id__in=_digits(patient_ids))
    sets = sets.filter(search.date_filter(params, "date", "measured_at"))
    sets = sets.filter(search.date_filter(params, "_lastUpdated", "recorded_at"))
    status = search.single(params, "status")
    if status is not None and "final" not in {code for _s, code in search.tokens(status)}:
        sets = sets.none()
    code = search.single(params, "code")
    if code is not None:
        wanted_parts = set()
        for system, value in search.tokens(code):
            for part, (part_system, _c) in codes.PART_CODES.items():
                if system in (None, part_system) and value in codes.PART_SEARCH_CODES[part]:
                    wanted_parts.add(part)
    category = search.single(params, "category")
    if category is not None:
        categories = {
            value
            for system, value in search.tokens(category)
            if system in (None, codes.OBSERVATION_CATEGORY)
        }
        wanted_parts &= (set(codes.PARTS) - {"news2"} if "vital-signs" in categories else set()) | (
            {"news2"} if "survey" in categories else set()
        )
    identifier = search.single(params, "identifier")
    if identifier is not None:
        condition = Q(pk__in=[])
        for system, value in search.tokens(identifier):
            condition |= Q(value=value) & (Q() if system is None else Q(system=system))
        matches = ObservationIdentifier.objects.visible_to(ctx.user).filter(condition)
        found: dict[int, set[str]] = {}
        for observation_id, part in matches.values_list("observation_id", "part"):
            found.setdefault(observation_id, set()).add(part)
        restrict = (
            found
            if restrict is None
            else {k: v & found[k] for k, v in restrict.items() if k in found}
        )
    if restrict is not None:
        sets = sets.filter(pk__in=list(restrict))
    if wanted_parts != set(codes.PARTS):
        condition = Q(pk__in=[])
        for part in wanted_parts:
            # The panel exists when any vital sign does.
            members = [p for p in _PART_FIELDS if p != "news2"] if part == "panel" else [part]
            for member in members:
                for name in _PART_FIELDS[member]:
                    condition |= Q(**{f"{name}__isnull": False})
            if part in ("panel", "acvpu"):
                condition |= ~Q(consciousness="")
        sets = sets.filter(condition)
    quantity = _value_quantity(params)
    if quantity is not None:
        wanted_parts &= set(QUANTITY_FIELDS)
    order = search.sort_keys(params, OBSERVATION_SORT, ["-measured_at"])
    return sets.order_by(*order, "-pk"), wanted_parts, restrict, quantity


def _matching_parts(ctx: Context, params: QueryDict) -> tuple[list[tuple[int, str]], object]:
    """Run an Observation search: [(set id, part)] in order, and the sets' queryset."""
    query = _observation_query(ctx, params)
    return _found_parts(*query), query[0]


def _found_parts(sets, wanted_parts, restrict, quantity) -> list[tuple[int, str]]:
    """[(set id, part)] of an `_observation_query`, in order (reading every set it keeps)."""
    found_parts = []
    for vitals in sets.only(*_LIGHT_FIELDS):
        allowed = restrict.get(vitals.pk, set()) if restrict is not None else wanted_parts
        found_parts += [
            (vitals.pk, part)
            for part in observation_mapper.parts(vitals)
            if part in allowed
            and part in wanted_parts
            and (quantity is None or quantity(getattr(vitals, QUANTITY_FIELDS[part])))
        ]
    return found_parts


# The Observations with one valueQuantity (value-quantity searches them) and its field.
QUANTITY_FIELDS = {
    "rr": "respiratory_rate",
    "spo2": "spo2",
    "hr": "pulse",
    "temp": "temperature",
    "weight": "weight",
    "news2": "news2_total",
}
NUMBER = re.compile(r"(eq|ne|lt|le|gt|ge)?(-?\d{1,6}(?:\.(\d{1,4}))?)")


def _value_quantity(params):
    """The test of a value-quantity search ([prefix]number, FHIR number semantics: eq 5 is
    4.5 ≤ value < 5.5), or None when the parameter is absent."""
    value = search.single(params, "value-quantity")
    if value is None:
        return None
    match = NUMBER.fullmatch(value)
    if match is None:
        raise search.bad(
            _("value-quantity takes a number with an optional prefix, e.g. ge5."),
            "value-quantity",
        )
    prefix, number = match[1] or "eq", decimal.Decimal(match[2])
    half = decimal.Decimal(1).scaleb(-len(match[3] or "")) / 2

    def test(found) -> bool:
        if found is None:
            return False
        found = decimal.Decimal(str(found))
        within = number - half <= found < number + half
        return {
            "eq": within,
            "ne": not within,
            "lt": found < number,
            "le": found <= number,
            "gt": found > number,
            "ge": found >= number,
        }[prefix]

    return test


OBSERVATION_PARAMS = {
    "_id",
    "value-quantity",
    "subject",
    "patient",
    "code",
    "date",
    "status",
    "category",
    "identifier",
    "_lastUpdated",
    "_sort",
    "_count",
    "_offset",
}


def _search_page(ctx: Context, params: QueryDict, count: int, offset: int):
    """One page of an Observation search: ([(set id, part)], the total, the sets' queryset)."""
    sets, wanted_parts, restrict, quantity = _observation_query(ctx, params)
    if restrict is None and quantity is None and len(wanted_parts) == 1:
        # One kind of Observation asked for (e.g. code=pulse): the query keeps exactly the sets
        # that have it, each shown as one Observation, so the page and the total come from the
        # database instead of reading every set of a resident's history.
        (part,) = wanted_parts
        ids = list(sets.values_list("pk", flat=True)[offset : offset + count])
        total = len(ids) if offset == 0 and len(ids) < count else sets.count()
        return [(pk, part) for pk in ids], total, sets
    pairs = _found_parts(sets, wanted_parts, restrict, quantity)
    return pairs[offset : offset + count], len(pairs), sets


def _observation_resources(ctx: Context, pairs, sets=None) -> tuple[list, list]:
    """The FHIR Observations of PAIRS and their residents; SETS: the visible sets they are
    among (a search's queryset), if the caller has it."""
    sets = Observation.objects.visible_to(ctx.user) if sets is None else sets
    # Unordered (order_by()): PAIRS give the order, and an ordered query makes Django hash every
    # selected column (context.one).
    rows = {
        v.pk: v
        for v in sets.select_related("resident")
        .filter(pk__in={pk for pk, _part in pairs})
        .order_by()
    }
    identifiers = _identifiers(list(rows.values()))
    resources = [observation_mapper.to_fhir(rows[pk], part, identifiers[pk]) for pk, part in pairs]
    return resources, [rows[pk].resident for pk, _part in pairs]


def observation_search(ctx: Context, params: QueryDict) -> Result:
    _require_role(ctx, CLINICAL)
    params = search.known(params, OBSERVATION_PARAMS, strict=search.is_strict(ctx.request))
    count, offset = search.count_and_offset(params)
    page, total, sets = _search_page(ctx, params, count, offset)
    resources, residents = _observation_resources(ctx, page, sets)
    _log_read(ctx, residents, "fhir_observation")
    bundle = search.searchset(params, f"{ctx.base}/Observation", resources, total, count, offset)
    return Result(200, bundle)


def _parse_json(ctx: Context) -> dict:
    try:
        data = json.loads(ctx.request.body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise FhirError(400, "structure", _("The body is not valid JSON.")) from error
    if not isinstance(data, dict):
        raise FhirError(400, "structure", _("The body must be a FHIR resource (a JSON object)."))
    return data


def _validate(model, data: dict, path: str):
    try:
        return model.model_validate(data)
    except (PydanticError, ValueError, TypeError) as error:
        expressions = []
        if isinstance(error, PydanticError):
            expressions = [
                ".".join([path, *(str(p) for p in e["loc"])]) for e in error.errors()[:5]
            ]
        raise FhirError(
            400,
            "structure",
            _("The resource does not follow the FHIR R4 structure: %(detail)s")
            % {"detail": str(error).splitlines()[0][:300]},
            expression=expressions,
        ) from error


def _incoming_observation(data: dict, path: str) -> observation_mapper.Incoming:
    if data.get("resourceType") != "Observation":
        raise FhirError(
            400,
            "structure",
            _("Expected a resource of type Observation."),
            expression=[f"{path}.resourceType"],
        )
    resource = _validate(FhirObservation, data, path.split(".")[0] if "." in path else path)
    return observation_mapper.from_fhir(resource, "Observation" if path == "Observation" else path)


def _resident_for(ctx: Context, incoming, path: str) -> Resident:
    ids = _digits([incoming.patient_id])
    resident = Resident.objects.visible_to(ctx.user).filter(pk__in=ids).first()
    if resident is None:
        raise FhirError(
            422,
            "invalid",
            _("The subject is not a patient this client may see."),
            expression=[f"{path}.subject"],
        )
    return resident


def _conditional(ctx: Context, criteria: str) -> tuple[int, str] | None:
    """Evaluate If-None-Exist CRITERIA: the one match, None for none; 412 for several."""
    params = QueryDict(mutable=True)
    try:
        for key, values in parse_qs(criteria, keep_blank_values=True, strict_parsing=True).items():
            params.setlist(key, values)
    except ValueError as error:
        raise search.bad(_("If-None-Exist must be a search query."), "If-None-Exist") from error
    search.known(params, OBSERVATION_PARAMS - {"_sort", "_count", "_offset"}, strict=True)
    pairs, _sets = _matching_parts(ctx, params)
    if len(pairs) > 1:
        raise FhirError(
            412,
            "multiple-matches",
            _("The If-None-Exist criteria match more than one observation."),
        )
    return pairs[0] if pairs else None


def _django_errors(error, incoming, path: str) -> FhirError:
    messages = getattr(error, "message_dict", None) or {"": error.messages}
    issues = [
        (name, message) for name, message_list in messages.items() for message in message_list
    ]
    name, message = issues[0]
    expression = incoming.paths.get(name, path)
    return FhirError(422, "invalid", message, expression=[expression])


def _store(ctx: Context, incoming, resident, identifiers, path: str) -> Observation:
    from django.core.exceptions import PermissionDenied, ValidationError

    try:
        return services.record_vitals(
            actor=ctx.user,
            resident=resident,
            measured_at=incoming.measured_at,
            values=incoming.values,
            identifiers=identifiers,
            request=ctx.request,
        )
    except ValidationError as error:
        raise _django_errors(error, incoming, path) from error
    except PermissionDenied as error:
        raise FhirError(403, "forbidden", str(error) or _("Not allowed.")) from error


def observation_create(ctx: Context) -> Result:
    _require_role(ctx, CLINICAL)
    incoming = _incoming_observation(_parse_json(ctx), "Observation")
    resident = _resident_for(ctx, incoming, "Observation")
    # Conditional create: the If-None-Exist header, or (as fhirpy sends it) the same criteria
    # as the query string of the POST.
    criteria = ctx.request.headers.get("If-None-Exist") or ctx.request.GET.urlencode()
    with transaction.atomic():
        # Creates for one resident are serialised (a row lock on PostgreSQL), so two retries of
        # a device arriving at once see each other: the second finds the first (If-None-Exist).
        services.lock_residents([resident.pk])
        if criteria:
            existing = _conditional(ctx, criteria)
            if existing is not None:
                resources, residents = _observation_resources(ctx, [existing])
                _log_read(ctx, residents, "fhir_observation", resources[0].id)
                location = f"{ctx.base}/Observation/{resources[0].id}"
                return Result(200, resources[0], {"Location": location})
        identifiers = [(incoming.part, s, v) for s, v in incoming.identifiers]
        vitals = _store(ctx, incoming, resident, identifiers, "Observation")
    vitals = Observation.objects.visible_to(ctx.user).get(pk=vitals.pk)
    # The identifiers are the ones just stored with it (services.record_vitals): no query.
    stored = [ObservationIdentifier(part=p, system=s, value=v) for p, s, v in identifiers]
    resource = observation_mapper.to_fhir(vitals, incoming.part, stored)
    return Result(201, resource, {"Location": f"{ctx.base}/Observation/{resource.id}"})


def _escalation(vitals: Observation) -> dict | None:
    """The unit's escalation response to a stored set, as an informational OperationOutcome."""
    response = vitals_services.response_for(vitals)
    if response.rule is None:
        return None
    text = _("%(band)s: %(response)s") % {
        "band": vitals.band_label,
        "response": response.rule.response,
    }
    if vitals.news2_total is not None:
        text = _("NEWS2 %(total)s, %(text)s") % {"total": vitals.news2_total, "text": text}
    return outcome([("informational", text, [])], severity="information").model_dump(
        mode="json", exclude_none=True
    )


# --- transaction -----------------------------------------------------------------------------


def transaction_bundle(ctx: Context) -> Result:
    """A transaction Bundle of vital-sign Observations: all stored, or none (then the error).

    Entries for the same patient and time of measurement become one set of vital signs (so a
    complete set is scored with NEWS2 and escalated as if typed into the vitals form).
    """
    data = _parse_json(ctx)
    if data.get("resourceType") != "Bundle":
        raise FhirError(
            400, "structure", _("Expected a Bundle."), expression=["Bundle.resourceType"]
        )
    bundle = _validate(Bundle, data, "Bundle")
    if bundle.type != "transaction":
        raise FhirError(
            400,
            "not-supported",
            _("Only transaction Bundles are accepted."),
            expression=["Bundle.type"],
        )
    _require_role(ctx, CLINICAL)
    auth.require_scope(
        ctx.client, "Observation", "write", "create"
    )  # the only type a transaction takes
    entries = bundle.entry or []
    if not entries or len(entries) > 50:
        raise FhirError(
            400, "invalid", _("A transaction needs 1 to 50 entries."), expression=["Bundle.entry"]
        )
    incoming_entries = []
    for index, entry in enumerate(entries):
        path = f"Bundle.entry[{index}]"
        request = entry.request
        if request is None or request.method != "POST" or request.url != "Observation":
            raise FhirError(
                400,
                "not-supported",
                _("Each entry must be a POST of an Observation (request.url Observation)."),
                expression=[f"{path}.request"],
            )
        if entry.resource is None:
            raise FhirError(
                422, "required", _("The entry has no resource."), expression=[f"{path}.resource"]
            )
        resource_data = entry.resource.model_dump(mode="json", exclude_none=True)
        incoming = _incoming_observation(resource_data, f"{path}.resource")
        incoming_entries.append((index, incoming, request.ifNoneExist, path))
    results: dict[int, tuple] = {}
    read_back: list = []
    with transaction.atomic():
        groups: OrderedDict[tuple, list] = OrderedDict()
        residents_of = {
            index: _resident_for(ctx, incoming, f"{path}.resource")
            for index, incoming, _criteria, path in incoming_entries
        }
        services.lock_residents(sorted({r.pk for r in residents_of.values()}))
        for index, incoming, criteria, path in incoming_entries:
            resident = residents_of[index]
            if criteria:
                existing = _conditional(ctx, criteria)
                if existing is not None:
                    results[index] = ("200 OK", f"{existing[0]}-{existing[1]}", None)
                    read_back.append(existing)
                    continue
            key = (resident.pk, incoming.measured_at)
            groups.setdefault(key, []).append((index, incoming, resident, path))
        for items in groups.values():
            merged = observation_mapper.merge([item[1] for item in items])
            identifiers = [
                (incoming.part, system, value)
                for _i, incoming, _r, _p in items
                for system, value in incoming.identifiers
            ]
            vitals = _store(ctx, merged, items[0][2], identifiers, items[0][3])
            escalation = _escalation(vitals)
            for index, incoming, _r, _p in items:
                results[index] = ("201 Created", f"{vitals.pk}-{incoming.part}", escalation)
        if read_back:
            _resources, residents = _observation_resources(ctx, read_back)
            _log_read(ctx, residents, "fhir_observation")
    response = {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [
            {
                "response": {
                    "status": results[index][0],
                    "location": f"Observation/{results[index][1]}",
                    **({"outcome": results[index][2]} if results[index][2] else {}),
                }
            }
            for index in range(len(entries))
        ],
    }
    return Result(200, Bundle.model_validate(response))


# --- Directory: Practitioner, PractitionerRole, Organization ------------------------------------
# Staff and organisations are no resident data: any staff client with the scope reads them, and
# no access-log entry is written.

DIRECTORY_SORT = {"_id": "pk"}


def _clinicians():
    return StaffProfile.objects.filter(profession__in=CLINICAL).select_related("user", "employer")


def _one(queryset, id: str, resource: str):
    found = one(queryset.filter(pk__in=_digits([id])))
    if found is None:
        raise _not_found(resource, id)
    return found


def _directory_search(ctx, params, queryset, allowed, sort, default, base, mapper) -> Result:
    _require_role(ctx, STAFF)
    params = search.known(params, allowed, strict=search.is_strict(ctx.request))
    count, offset = search.count_and_offset(params)
    ids = search.single(params, "_id")
    if ids is not None:
        queryset = queryset.filter(pk__in=_digits(ids.split(",")))
    queryset = queryset.order_by(*search.sort_keys(params, sort, default), "pk")
    total = queryset.count()
    resources = [mapper(row) for row in queryset[offset : offset + count]]
    return Result(
        200, search.searchset(params, f"{ctx.base}/{base}", resources, total, count, offset)
    )


def _identifier_filter(params, field: str) -> Q:
    value = search.single(params, "identifier")
    if value is None:
        return Q()
    condition = Q(pk__in=[])
    for system, code in search.tokens(value):
        if system in (None, codes.HSA_ID) and code:
            condition |= Q(**{field: code})
    return condition


def practitioner_read(ctx: Context, id: str) -> Result:
    _require_role(ctx, STAFF)
    return Result(200, practitioner_mapper.practitioner(_one(_clinicians(), id, "Practitioner")))


def practitioner_search(ctx: Context, params: QueryDict) -> Result:
    _require_role(ctx, STAFF)
    profiles = _clinicians().filter(_identifier_filter(params, "hsa_id"))
    name = search.single(params, "name")
    if name is not None:
        name = name[:100]
        profiles = profiles.filter(
            Q(user__last_name__istartswith=name) | Q(user__first_name__istartswith=name)
        )
    return _directory_search(
        ctx,
        params,
        profiles,
        {"_id", "identifier", "name", "_count", "_sort", "_offset"},
        {**DIRECTORY_SORT, "family": "user__last_name", "given": "user__first_name"},
        ["user__last_name", "user__first_name"],
        "Practitioner",
        practitioner_mapper.practitioner,
    )


def practitioner_role_read(ctx: Context, id: str) -> Result:
    _require_role(ctx, STAFF)
    profile = _one(_clinicians(), id, "PractitionerRole")
    return Result(200, practitioner_mapper.practitioner_role(profile))


def practitioner_role_search(ctx: Context, params: QueryDict) -> Result:
    _require_role(ctx, STAFF)
    profiles = _clinicians()
    for name, lookup in (("practitioner", "pk__in"), ("organization", "employer_id__in")):
        ids = search.reference_ids(
            params, name, "Practitioner" if name == "practitioner" else "Organization"
        )
        if ids is not None:
            profiles = profiles.filter(**{lookup: _digits(ids)})
    role = search.single(params, "role")
    if role is not None:
        profiles = profiles.filter(
            profession__in=[c for s, c in search.tokens(role) if s in (None, codes.LOCAL)]
        )
    return _directory_search(
        ctx,
        params,
        profiles,
        {"_id", "practitioner", "organization", "role", "_count", "_sort", "_offset"},
        DIRECTORY_SORT,
        ["user__last_name", "user__first_name"],
        "PractitionerRole",
        practitioner_mapper.practitioner_role,
    )


def organization_read(ctx: Context, id: str) -> Result:
    _require_role(ctx, STAFF)
    organisation = _one(Organisation.objects.all(), id, "Organization")
    return Result(200, organization_mapper.to_fhir(organisation))


def organization_search(ctx: Context, params: QueryDict) -> Result:
    _require_role(ctx, STAFF)
    organisations = Organisation.objects.filter(_identifier_filter(params, "hsa_id"))
    name = search.single(params, "name")
    if name is not None:
        organisations = organisations.filter(name__icontains=name[:100])
    part_of = search.reference_ids(params, "partof", "Organization")
    if part_of is not None:
        organisations = organisations.filter(parent_id__in=_digits(part_of))
    kind = search.single(params, "type")
    if kind is not None:
        organisations = organisations.filter(
            kind__in=[c for s, c in search.tokens(kind) if s in (None, codes.LOCAL)]
        )
    return _directory_search(
        ctx,
        params,
        organisations,
        {"_id", "identifier", "name", "partof", "type", "_count", "_sort", "_offset"},
        {**DIRECTORY_SORT, "name": "name"},
        ["name"],
        "Organization",
        organization_mapper.to_fhir,
    )


# --- CareTeam: a resident's named physician and deputy ------------------------------------------


def careteam_read(ctx: Context, id: str) -> Result:
    _require_role(ctx, STAFF)
    residents = resident_selectors.with_care_team(Resident.objects.visible_to(ctx.user))
    resident = one(residents.filter(pk__in=_digits([id])))
    if resident is None:
        raise _not_found("CareTeam", id)
    _log_read(ctx, [resident], "fhir_careteam", resident.pk)
    return Result(200, careteam_mapper.to_fhir(resident))


def careteam_search(ctx: Context, params: QueryDict) -> Result:
    _require_role(ctx, STAFF)
    allowed = {"_id", "patient", "subject", "participant", "_count", "_sort", "_offset"}
    params = search.known(params, allowed, strict=search.is_strict(ctx.request))
    count, offset = search.count_and_offset(params)
    residents = Resident.objects.visible_to(ctx.user)
    ids = search.single(params, "_id")
    if ids is not None:
        residents = residents.filter(pk__in=_digits(ids.split(",")))
    for name in ("patient", "subject"):
        patient_ids = search.reference_ids(params, name, "Patient")
        if patient_ids is not None:
            residents = residents.filter(pk__in=_digits(patient_ids))
    members = search.reference_ids(params, "participant", "Practitioner")
    if members is not None:
        residents = residents.filter(
            physician_assignments__ended_at__isnull=True,
            physician_assignments__physician_id__in=_digits(members),
        ).distinct()
    residents = residents.order_by(*search.sort_keys(params, {"_id": "pk"}, ["pk"]), "pk")
    total = residents.count()
    page = list(resident_selectors.with_care_team(residents)[offset : offset + count])
    _log_read(ctx, page, "fhir_careteam")
    resources = [careteam_mapper.to_fhir(r) for r in page]
    bundle = search.searchset(params, f"{ctx.base}/CareTeam", resources, total, count, offset)
    return Result(200, bundle)


# --- Task: a nurse task's status (update, If-Match) ---------------------------------------------

TASK_RESULT_MAX = 2000


def _task_result(user, resource, row) -> tuple[str, Observation | None]:
    """The result text and the vital signs of a Task sent as completed (Task.output)."""
    texts, observation = [], None
    for index, output in enumerate(resource.output or []):
        path = f"Task.output[{index}]"
        if output.valueString is not None:
            texts.append(output.valueString.strip())
        elif output.valueReference is not None:
            match = OBSERVATION_ID.fullmatch(
                (output.valueReference.reference or "").removeprefix("Observation/")
            )
            observation = (
                Observation.objects.visible_to(user)
                .filter(pk=int(match[1]), resident_id=row.resident_id)
                .first()
                if match
                else None
            )
            if observation is None:
                raise FhirError(
                    422,
                    "invalid",
                    _("The output must reference vital signs of this patient the client may see."),
                    expression=[f"{path}.valueReference"],
                )
        else:
            raise FhirError(
                422,
                "invalid",
                _("An output is a valueString (the result) or a valueReference (Observation)."),
                expression=[f"{path}.value[x]"],
            )
    text = "\n".join(t for t in texts if t)
    if len(text) > TASK_RESULT_MAX:
        raise FhirError(
            422,
            "too-long",
            _("The result is longer than %(max)s characters.") % {"max": TASK_RESULT_MAX},
            expression=["Task.output.valueString"],
        )
    if not text and observation is None:
        raise FhirError(
            422,
            "required",
            _("A completed task needs its result: an output with valueString or vital signs."),
            expression=["Task.output"],
        )
    return text, observation


def task_update(ctx: Context, id: str) -> Result:
    """PUT Task/<id>: a nurse documents the task as done (status ready -> completed, with the
    result in Task.output). Held to If-Match; everything else of the task is the order's."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from fhir.resources.R4B.task import Task as FhirTask

    from digifys.orders import services as order_services
    from digifys.orders.models import NurseTask

    from . import kinds, versions
    from .resources import TASK

    _require_role(ctx, CLINICAL)
    data = _parse_json(ctx)
    if data.get("resourceType") != "Task":
        raise FhirError(
            400,
            "structure",
            _("Expected a resource of type Task."),
            expression=["Task.resourceType"],
        )
    resource = _validate(FhirTask, data, "Task")
    if resource.id != id:
        raise FhirError(
            400, "invalid", _("Task.id must be the id in the URL."), expression=["Task.id"]
        )
    with transaction.atomic():
        row = (
            NurseTask.objects.visible_to(ctx.user)
            .select_for_update(of=("self",), no_key=True)  # see orders.services.complete_task
            .select_related("order", "resident")
            .filter(pk__in=_digits([id]))
            .first()
        )
        if row is None:
            raise _not_found("Task", id)
        current = kinds._versions(TASK, row)[-1]
        versions.check_if_match(ctx.request, current.meta.versionId)
        reference = resource.for_fhir.reference if resource.for_fhir else None
        if reference is not None and reference != f"Patient/{row.resident_id}":
            raise FhirError(
                422, "invalid", _("Task.for cannot be changed."), expression=["Task.for"]
            )
        if resource.status == current.status:
            return Result(200, current, versions.etag(current))  # nothing to change
        if row.status != NurseTask.Status.OPEN:
            raise FhirError(
                409,
                "conflict",
                _("This task is already done or cancelled."),
                expression=["Task.status"],
            )
        if resource.status != "completed":
            raise FhirError(
                422,
                "code-invalid",
                _("A task's status can only be set to completed through the API."),
                expression=["Task.status"],
            )
        text, observation = _task_result(ctx.user, resource, row)
        try:
            order_services.complete_task(
                actor=ctx.user, task=row, result=text, observation=observation, request=ctx.request
            )
        except ValidationError as error:
            raise FhirError(
                422, "invalid", error.messages[0], expression=["Task.output"]
            ) from error
        except PermissionDenied as error:
            raise FhirError(403, "forbidden", str(error) or _("Not allowed.")) from error
    row = TASK.rows(ctx.user).get(pk=row.pk)
    updated = kinds._versions(TASK, row)[-1]
    return Result(200, updated, versions.etag(updated))


# --- Communication: a message in a consult's thread (create) ------------------------------------

MESSAGE_MAX = 5000


def communication_create(ctx: Context) -> Result:
    """POST Communication: a message to a consult's thread (partOf the consult by identifier,
    the text as payload.contentString), through the same service as the consult page."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from fhir.resources.R4B.communication import Communication as FhirCommunication

    from digifys.consults import services as consult_services
    from digifys.consults.models import Consult, ConsultMessage

    from . import kinds
    from .mappers import communication as communication_mapper
    from .resources import COMMUNICATION

    _require_role(ctx, CLINICAL)
    data = _parse_json(ctx)
    if data.get("resourceType") != "Communication":
        raise FhirError(
            400,
            "structure",
            _("Expected a resource of type Communication."),
            expression=["Communication.resourceType"],
        )
    resource = _validate(FhirCommunication, data, "Communication")
    if resource.status not in ("completed", "in-progress"):
        raise FhirError(
            422,
            "code-invalid",
            _("A message is sent with status completed."),
            expression=["Communication.status"],
        )
    consult_ids = [
        part.identifier.value
        for part in resource.partOf or []
        if part.identifier is not None and part.identifier.system == communication_mapper.CONSULT
    ]
    if len(consult_ids) != 1:
        raise FhirError(
            422,
            "required",
            _("Name the consult once: partOf.identifier with system %(system)s.")
            % {"system": communication_mapper.CONSULT},
            expression=["Communication.partOf"],
        )
    consult = (
        Consult.objects.visible_to(ctx.user)
        .filter(pk__in=_digits([consult_ids[0] or ""]))
        .select_related("resident")
        .first()
    )
    if consult is None:
        raise FhirError(
            422,
            "invalid",
            _("The consult is not one this client may see."),
            expression=["Communication.partOf[0].identifier.value"],
        )
    subject = resource.subject.reference if resource.subject else None
    if subject is not None and subject != f"Patient/{consult.resident_id}":
        raise FhirError(
            422,
            "invalid",
            _("The subject must be the consult's patient."),
            expression=["Communication.subject"],
        )
    payloads = resource.payload or []
    texts = [p.contentString for p in payloads if p.contentString is not None]
    if len(payloads) != 1 or len(texts) != 1 or not texts[0].strip():
        raise FhirError(
            422,
            "required",
            _("A message has exactly one payload with the text as contentString."),
            expression=["Communication.payload"],
        )
    if len(texts[0]) > MESSAGE_MAX:
        raise FhirError(
            422,
            "too-long",
            _("The message is longer than %(max)s characters.") % {"max": MESSAGE_MAX},
            expression=["Communication.payload[0].contentString"],
        )
    try:
        with transaction.atomic():
            message = consult_services.post_message(
                actor=ctx.user,
                consult=consult,
                body=texts[0],
                kind=ConsultMessage.Kind.MESSAGE,
                request=ctx.request,
            )
    except ValidationError as error:
        raise FhirError(
            422, "invalid", error.messages[0], expression=["Communication.payload"]
        ) from error
    except PermissionDenied as error:
        raise FhirError(403, "forbidden", str(error) or _("Not allowed.")) from error
    row = COMMUNICATION.rows(ctx.user).get(pk=message.pk)
    created = kinds._versions(COMMUNICATION, row)[-1]
    return Result(
        201, created, {"Location": f"{ctx.base}/Communication/{message.pk}", **_etag(created)}
    )


def _etag(resource) -> dict:
    from . import versions

    return versions.etag(resource)


# --- Appointment: book (create) and cancel (update, If-Match) -----------------------------------

APPOINTMENT_FIELDS = {
    "clinician": "Appointment.participant",
    "kind": "Appointment.appointmentType",
    "starts_at": "Appointment.start",
    "ends_at": "Appointment.end",
    "reason": "Appointment.reasonCode",
    "note": "Appointment.comment",
}


def _service_error(error, fields: dict, default: str) -> FhirError:
    """A domain ValidationError as a 422 naming the element of the field it is about."""
    messages = getattr(error, "message_dict", None) or {"": error.messages}
    name, message_list = next(iter(messages.items()))
    return FhirError(422, "invalid", message_list[0], expression=[fields.get(name, default)])


def _appointment_resource(ctx: Context, data: dict):
    from fhir.resources.R4B.appointment import Appointment as FhirAppointment

    if data.get("resourceType") != "Appointment":
        raise FhirError(
            400,
            "structure",
            _("Expected a resource of type Appointment."),
            expression=["Appointment.resourceType"],
        )
    return _validate(FhirAppointment, data, "Appointment")


def _participant(resource, prefix: str) -> list[str]:
    return [
        p.actor.reference.removeprefix(prefix)
        for p in resource.participant or []
        if p.actor is not None and (p.actor.reference or "").startswith(prefix)
    ]


def appointment_create(ctx: Context) -> Result:
    """POST Appointment: book a clinician for a patient, through the booking service (who may
    book whom, working hours, no double bookings, the reason booking someone else needs)."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from digifys.scheduling import services as scheduling
    from digifys.scheduling.models import Booking

    from . import kinds
    from .resources import APPOINTMENT

    _require_role(ctx, STAFF)
    resource = _appointment_resource(ctx, _parse_json(ctx))
    if resource.status != "booked":
        raise FhirError(
            422,
            "code-invalid",
            _("A new appointment is sent with status booked."),
            expression=["Appointment.status"],
        )
    if resource.start is None or resource.end is None:
        raise FhirError(
            422,
            "required",
            _("An appointment needs its start and end."),
            expression=["Appointment.start" if resource.start is None else "Appointment.end"],
        )
    kinds_given = [
        coding.code
        for coding in (resource.appointmentType.coding or [] if resource.appointmentType else [])
        if coding.system == codes.LOCAL and coding.code in Booking.Kind.values
    ]
    if len(kinds_given) != 1:
        raise FhirError(
            422,
            "code-invalid",
            _("appointmentType needs one digifys booking kind: %(kinds)s.")
            % {"kinds": ", ".join(Booking.Kind.values)},
            expression=["Appointment.appointmentType"],
        )
    patients, practitioners = (
        _participant(resource, "Patient/"),
        _participant(resource, "Practitioner/"),
    )
    resident = (
        Resident.objects.visible_to(ctx.user).filter(pk__in=_digits(patients)).first()
        if len(patients) == 1
        else None
    )
    clinician = (
        _clinicians().filter(pk__in=_digits(practitioners)).first()
        if len(practitioners) == 1
        else None
    )
    if resident is None or clinician is None:
        raise FhirError(
            422,
            "invalid",
            _("Name one Patient the client may see and one Practitioner as participants."),
            expression=["Appointment.participant"],
        )
    reason = " ".join(
        concept.text or "" for concept in resource.reasonCode or [] if concept.text
    ).strip()
    try:
        with transaction.atomic():
            booking = scheduling.book(
                actor=ctx.user,
                clinician=clinician,
                resident=resident,
                kind=kinds_given[0],
                starts_at=resource.start,
                ends_at=resource.end,
                note=(resource.comment or "")[:500],
                reason=reason,
                request=ctx.request,
            )
    except ValidationError as error:
        raise _service_error(error, APPOINTMENT_FIELDS, "Appointment") from error
    except PermissionDenied as error:
        raise FhirError(403, "forbidden", str(error) or _("Not allowed.")) from error
    created = kinds._versions(APPOINTMENT, APPOINTMENT.rows(ctx.user).get(pk=booking.pk))[-1]
    return Result(
        201, created, {"Location": f"{ctx.base}/Appointment/{booking.pk}", **_etag(created)}
    )


def appointment_update(ctx: Context, id: str) -> Result:
    """PUT Appointment/<id>: cancel the booking (status cancelled, cancelationReason.text), held
    to If-Match. Moving a booking is a new booking; nothing else changes through the API."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from digifys.scheduling import services as scheduling
    from digifys.scheduling.models import Booking

    from . import kinds, versions
    from .resources import APPOINTMENT

    _require_role(ctx, STAFF)
    resource = _appointment_resource(ctx, _parse_json(ctx))
    if resource.id != id:
        raise FhirError(
            400,
            "invalid",
            _("Appointment.id must be the id in the URL."),
            expression=["Appointment.id"],
        )
    with transaction.atomic():
        booking = (
            Booking.objects.visible_to(ctx.user)
            .select_for_update(of=("self",))
            .filter(pk__in=_digits([id]))
            .first()
        )
        if booking is None:
            raise _not_found("Appointment", id)
        current = kinds._versions(APPOINTMENT, booking)[-1]
        versions.check_if_match(ctx.request, current.meta.versionId)
        if resource.status == current.status:
            return Result(200, current, versions.etag(current))
        if booking.cancelled_at is not None:
            raise FhirError(
                409,
                "conflict",
                _("The booking is already cancelled."),
                expression=["Appointment.status"],
            )
        if resource.status != "cancelled":
            raise FhirError(
                422,
                "code-invalid",
                _("An appointment's status can only be set to cancelled through the API."),
                expression=["Appointment.status"],
            )
        reason = (resource.cancelationReason.text or "") if resource.cancelationReason else ""
        if not reason.strip():
            raise FhirError(
                422,
                "required",
                _("Say why the booking is cancelled: cancelationReason.text."),
                expression=["Appointment.cancelationReason"],
            )
        try:
            scheduling.cancel_booking(
                actor=ctx.user, booking=booking, reason=reason[:200], request=ctx.request
            )
        except ValidationError as error:
            raise _service_error(
                error, {"reason": "Appointment.cancelationReason"}, "Appointment"
            ) from error
        except PermissionDenied as error:
            raise FhirError(403, "forbidden", str(error) or _("Not allowed.")) from error
    updated = kinds._versions(APPOINTMENT, APPOINTMENT.rows(ctx.user).get(pk=booking.pk))[-1]
    return Result(200, updated, versions.etag(updated))

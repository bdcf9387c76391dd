"""vitals.Observation (one set of vital signs and its NEWS2 score) ↔ FHIR Observations.

One set is shown as several FHIR Observations, one per measured sign (LOINC/UCUM of the
vital-signs profile, domain-spec §8.2), the vital-signs panel 85353-1 with `hasMember`, and for a
complete set the NEWS2 total (SNOMED CT, domain-spec §8.3) `derivedFrom` those signs. Their ids
are "<set id>-<part>" (codes.PARTS).

Incoming Observations are read into the keyword arguments of `vitals.services.record_observation`;
every number goes through the one vital-signs parser (`vitals.parsing.parse_vital`), so the API
refuses exactly what the vitals form refuses. Refusals are 422 OperationOutcomes naming the element.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from fhir.resources.R4B.observation import Observation as FhirObservation

from digifys.vitals import parsing
from digifys.vitals.models import Consciousness
from digifys.vitals.models import Observation as VitalsSet

from .. import codes
from ..errors import FhirError

# --- digifys → FHIR --------------------------------------------------------------------------

_QUANTITY_PART = {part: (loinc[0], name, unit) for part, loinc, name, unit in codes.QUANTITIES}


def parts(vitals: VitalsSet) -> list[str]:
    """The FHIR Observations one set is shown as, in codes.PARTS order."""
    present = {
        "rr": vitals.respiratory_rate is not None,
        "spo2": vitals.spo2 is not None,
        "o2": vitals.on_oxygen is not None,
        "bp": vitals.systolic_bp is not None or vitals.diastolic_bp is not None,
        "hr": vitals.pulse is not None,
        "acvpu": bool(vitals.consciousness),
        "temp": vitals.temperature is not None,
        "weight": vitals.weight is not None,
        "news2": vitals.news2_total is not None,
    }
    present["panel"] = any(present[part] for part in codes.PARTS[1:-1])
    return [part for part in codes.PARTS if present[part]]


def _coding(system: str, code: str) -> dict:
    return {"coding": [{"system": system, "code": code}]}


def _quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": unit}


def _category(code: str) -> list[dict]:
    return [_coding(codes.OBSERVATION_CATEGORY, code)]


def to_fhir(vitals: VitalsSet, part: str, identifiers=()) -> FhirObservation:
    """Return the FHIR Observation PART of the set VITALS (identifiers: those stored for it)."""
    system, code = codes.PART_CODES[part]
    data: dict = {
        "resourceType": "Observation",
        "id": f"{vitals.pk}-{part}",
        "meta": {"lastUpdated": vitals.recorded_at.isoformat()},
        "status": "final",
        "category": _category("survey" if part == "news2" else "vital-signs"),
        "code": _coding(system, code),
        "subject": {"reference": f"Patient/{vitals.resident_id}"},
        "effectiveDateTime": vitals.measured_at.isoformat(),
        "issued": vitals.recorded_at.isoformat(),
    }
    own = [{"system": i.system, "value": i.value} for i in identifiers if i.part == part]
    if own:
        data["identifier"] = [{k: v for k, v in i.items() if v} for i in own]
    members = [
        {"reference": f"Observation/{vitals.pk}-{p}"}
        for p in parts(vitals)
        if p not in ("panel", "news2")
    ]
    if part in _QUANTITY_PART:
        _code, name, unit = _QUANTITY_PART[part]
        data["valueQuantity"] = _quantity(getattr(vitals, name), unit)
    elif part == "bp":
        data["component"] = [
            {"code": _coding(codes.LOINC, loinc), "valueQuantity": _quantity(value, "mm[Hg]")}
            for loinc, value in (
                (codes.SYSTOLIC, vitals.systolic_bp),
                (codes.DIASTOLIC, vitals.diastolic_bp),
            )
            if value is not None
        ]
    elif part == "o2":
        data["valueBoolean"] = vitals.on_oxygen
        if vitals.oxygen_flow is not None:
            data["component"] = [
                {
                    "code": _coding(codes.LOINC, codes.OXYGEN_FLOW),
                    "valueQuantity": _quantity(vitals.oxygen_flow, "L/min"),
                }
            ]
    elif part == "acvpu":
        data["valueCodeableConcept"] = {
            "coding": [
                {
                    "system": codes.LOCAL,
                    "code": vitals.consciousness,
                    "display": str(Consciousness(vitals.consciousness).label),
                }
            ]
        }
    elif part == "panel":
        data["hasMember"] = members
    elif part == "news2":
        data["valueInteger"] = vitals.news2_total
        data["derivedFrom"] = members
        data["component"] = [
            {"code": _coding(codes.SNOMED, snomed), "valueInteger": vitals.news2_subscores[key]}
            for key, snomed in codes.NEWS2_SUBSCORES.items()
            if key in vitals.news2_subscores and not (key == "spo2" and vitals.spo2_scale == 2)
        ]
    return FhirObservation.model_validate(data)


# --- FHIR → digifys --------------------------------------------------------------------------

_BY_LOINC = {loinc: (name, unit) for _p, loincs, name, unit in codes.QUANTITIES for loinc in loincs}
_BY_LOINC.update({code: (name, "mm[Hg]") for code, name in codes.BP_COMPONENTS})
_BY_LOINC[codes.OXYGEN_FLOW] = ("oxygen_flow", "L/min")
_PART_OF = {loinc: part for part, loincs, _n, _u in codes.QUANTITIES for loinc in loincs}


@dataclass
class Incoming:
    """What one incoming Observation says: for whom, when, which part, and the vital signs."""

    patient_id: str
    measured_at: datetime.datetime
    part: str
    values: dict = field(default_factory=dict)
    paths: dict = field(default_factory=dict)  # vital-sign field → FHIRPath it came from
    identifiers: list[tuple[str, str]] = field(default_factory=list)


def _invalid(message: str, path: str) -> FhirError:
    return FhirError(422, "invalid", message, expression=[path])


def _known_code(concept, path: str) -> tuple[str, str]:
    for coding in (concept.coding or []) if concept is not None else []:
        pair = (coding.system or "", coding.code or "")
        if pair[0] == codes.LOINC and (
            pair[1] in _BY_LOINC or pair[1] in (codes.VITALS_PANEL, codes.BP_PANEL)
        ):
            return pair
        if pair[0] == codes.LOCAL and pair[1] in (codes.ACVPU, codes.AIR_OR_OXYGEN):
            return pair
    raise _invalid(
        _(
            "Unknown or missing code: use a LOINC vital-sign code, or digifys' codes for ACVPU "
            "and air or oxygen (see the API guide)."
        ),
        f"{path}.code",
    )


def _quantity_value(holder, path: str, name: str, unit: str):
    quantity = holder.valueQuantity
    if quantity is None or quantity.value is None:
        raise _invalid(_("A valueQuantity with a value is required."), f"{path}.valueQuantity")
    if quantity.system != codes.UCUM or quantity.code != unit:
        raise _invalid(
            _("The unit must be the UCUM code %(unit)s (system %(system)s).")
            % {"unit": unit, "system": codes.UCUM},
            f"{path}.valueQuantity.code",
        )
    try:
        return parsing.parse_vital(name, quantity.value)
    except parsing.VitalSignError as error:
        raise _invalid(error.message, f"{path}.valueQuantity.value") from error


def _values_of(pair, holder, path: str) -> dict[str, tuple]:
    """Read one coded value (an Observation or a component): {field: (value, path)}."""
    system, code = pair
    if holder.dataAbsentReason is not None:
        raise _invalid(
            _("A value is required; dataAbsentReason is not accepted."),
            f"{path}.dataAbsentReason",
        )
    if system == codes.LOINC and code in _BY_LOINC:
        name, unit = _BY_LOINC[code]
        return {name: (_quantity_value(holder, path, name, unit), f"{path}.valueQuantity")}
    if code == codes.ACVPU:
        concept = holder.valueCodeableConcept
        found = [
            c.code
            for c in (concept.coding or [] if concept else [])
            if c.system == codes.LOCAL and c.code in Consciousness.values
        ]
        if not found:
            raise _invalid(
                _("ACVPU needs a valueCodeableConcept with code A, C, V, P or U."),
                f"{path}.valueCodeableConcept",
            )
        return {"consciousness": (found[0], f"{path}.valueCodeableConcept")}
    if code == codes.AIR_OR_OXYGEN:
        if holder.valueBoolean is None:
            raise _invalid(
                _("Air or oxygen needs valueBoolean: true on oxygen, false on air."),
                f"{path}.valueBoolean",
            )
        return {"on_oxygen": (holder.valueBoolean, f"{path}.valueBoolean")}
    raise _invalid(_("This code cannot be used here."), f"{path}.code")


def _merge(target: dict, new: dict, path: str) -> None:
    for name in new:
        if name in target:
            raise _invalid(_("The same vital sign is given twice."), path)
    target.update(new)


def from_fhir(resource: FhirObservation, path: str = "Observation") -> Incoming:
    """Read one incoming vital-signs Observation; raise a 422 FhirError naming the element."""
    if resource.status != "final":
        raise _invalid(_("Only observations with status final are accepted."), f"{path}.status")
    categories = {
        (c.system, c.code) for concept in resource.category or [] for c in concept.coding or []
    }
    if (codes.OBSERVATION_CATEGORY, "vital-signs") not in categories:
        raise _invalid(_("The category must be vital-signs."), f"{path}.category")
    reference = resource.subject.reference if resource.subject else None
    if not reference or not reference.startswith("Patient/"):
        raise _invalid(_("The subject must be a reference Patient/<id>."), f"{path}.subject")
    effective = resource.effectiveDateTime
    if not isinstance(effective, datetime.datetime) or effective.tzinfo is None:
        raise _invalid(
            _("effectiveDateTime must give the time of measurement with a time zone."),
            f"{path}.effectiveDateTime",
        )
    try:
        effective = effective.astimezone(datetime.UTC)
    except OverflowError as error:  # year 1 at +14:00 is before year 1 in UTC
        raise _invalid(
            _("effectiveDateTime must give the time of measurement with a time zone."),
            f"{path}.effectiveDateTime",
        ) from error
    if any(
        getattr(resource, name) is not None
        for name in ("valueString", "valueInteger", "valueRange", "valuePeriod")
    ):
        raise _invalid(_("This kind of value is not accepted here."), f"{path}.value")
    pair = _known_code(resource.code, path)
    components = resource.component or []
    found: dict[str, tuple] = {}
    if pair[1] in (codes.VITALS_PANEL, codes.BP_PANEL):
        part = "panel" if pair[1] == codes.VITALS_PANEL else "bp"
        allowed = (
            {code for code, _name in codes.BP_COMPONENTS}
            if part == "bp"
            else set(_BY_LOINC) | {codes.ACVPU, codes.AIR_OR_OXYGEN}
        )
        if not components:
            raise _invalid(_("A panel needs its values as components."), f"{path}.component")
        if resource.valueQuantity is not None or resource.valueBoolean is not None:
            raise _invalid(_("A panel has no value of its own."), f"{path}.value")
    else:
        part = "o2" if pair[1] == codes.AIR_OR_OXYGEN else _PART_OF.get(pair[1], "acvpu")
        allowed = {codes.OXYGEN_FLOW} if part == "o2" else set()
        found = _values_of(pair, resource, path)
    for index, component in enumerate(components):
        component_path = f"{path}.component[{index}]"
        component_pair = _known_code(component.code, component_path)
        if component_pair == pair:  # obs-7
            raise _invalid(
                _("A component must not have the observation's own code."),
                f"{component_path}.code",
            )
        if component_pair[1] not in allowed:
            raise _invalid(_("This code cannot be used here."), f"{component_path}.code")
        _merge(found, _values_of(component_pair, component, component_path), component_path)
    return Incoming(
        patient_id=reference.removeprefix("Patient/"),
        measured_at=effective,
        part=part,
        values={name: value for name, (value, _p) in found.items()},
        paths={
            "measured_at": f"{path}.effectiveDateTime",
            **{name: p for name, (_v, p) in found.items()},
        },
        identifiers=[(i.system or "", i.value) for i in resource.identifier or [] if i.value],
    )


def merge(incoming: list[Incoming]) -> Incoming:
    """Merge the Observations of one transaction for one patient and time into one set."""
    first = incoming[0]
    merged = Incoming(first.patient_id, first.measured_at, first.part)
    for index, item in enumerate(incoming):
        _merge(merged.values, item.values, f"Bundle.entry[{index}].resource")
        merged.paths.update(item.paths)
    return merged

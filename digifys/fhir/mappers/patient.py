"""Resident ↔ FHIR Patient (HL7 Sweden identifier systems, domain-spec §8.4)."""

from fhir.resources.R4B.patient import Patient

from digifys.residents.models import Resident

from .. import codes


def identifier(resident: Resident) -> dict:
    system = codes.IDENTIFIER_SYSTEMS.get(resident.identity_kind)
    if system is None:
        # A regional reserve number has no national system (domain-spec §8.4: local OIDs).
        return {"type": {"text": resident.identity_kind}, "value": resident.identity_number}
    return {"system": system, "value": resident.identity_number}


def to_fhir(resident: Resident) -> Patient:
    data = {
        "resourceType": "Patient",
        "id": str(resident.pk),
        "meta": {"lastUpdated": resident.created_at.isoformat()},
        "identifier": [identifier(resident)],
        "active": resident.status == Resident.Status.ACTIVE,
        "name": [
            {
                "use": "official",
                "family": resident.family_name,
                "given": [resident.given_name],
            }
        ],
        "birthDate": resident.birth_date.isoformat(),
        "managingOrganization": {"display": resident.unit.name},
    }
    if resident.deceased_on:
        data["deceasedDateTime"] = resident.deceased_on.isoformat()
    return Patient.model_validate(data)

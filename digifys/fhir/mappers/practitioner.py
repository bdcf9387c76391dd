"""StaffProfile ↔ FHIR Practitioner and PractitionerRole (one role per clinician, same id).

PractitionerRole carries the employer (`organization`), the profession (`code`, digifys' codes)
and the clinician's IANA time zone (R4 extension tz-code): a physician in Málaga works
Europe/Madrid hours (domain-spec §7.3). Only clinicians (physicians, nurses, assistant nurses)
are Practitioners.
"""

from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from digifys.directory.models import StaffProfile

from .. import codes


def _identifiers(profile: StaffProfile) -> list[dict]:
    return [{"system": codes.HSA_ID, "value": profile.hsa_id}] if profile.hsa_id else []


def practitioner(profile: StaffProfile) -> Practitioner:
    user = profile.user
    data = {
        "resourceType": "Practitioner",
        "id": str(profile.pk),
        "active": user.is_active,
        "name": [{"family": user.last_name or user.username, "given": [user.first_name]}],
    }
    if not user.first_name:
        del data["name"][0]["given"]
    if identifiers := _identifiers(profile):
        data["identifier"] = identifiers
    return Practitioner.model_validate(data)


def practitioner_role(profile: StaffProfile) -> PractitionerRole:
    data = {
        "resourceType": "PractitionerRole",
        "id": str(profile.pk),
        "extension": [{"url": codes.TZ_CODE, "valueCode": profile.time_zone}],
        "active": profile.user.is_active,
        "practitioner": {"reference": f"Practitioner/{profile.pk}"},
        "organization": {
            "reference": f"Organization/{profile.employer_id}",
            "display": profile.employer.name,
        },
        "code": [
            {
                "coding": [{"system": codes.LOCAL, "code": profile.profession}],
                "text": str(profile.get_profession_display()),
            }
        ],
    }
    if identifiers := _identifiers(profile):
        data["identifier"] = identifiers
    return PractitionerRole.model_validate(data)

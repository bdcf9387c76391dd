"""A physician's contact with a resident (careteams.CareContact) ↔ FHIR Encounter.

Class from v3 ActCode (domain-spec §8.1): video and phone are virtual (`VR`); a physical visit
or a ward round at the nursing home is home health (`HH`); a consult answer is virtual too.
"""

from digifys.careteams.models import CareContact

from .. import codes

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLASS = {
    CareContact.Kind.VIDEO: "VR",
    CareContact.Kind.PHONE: "VR",
    CareContact.Kind.CONSULT: "VR",
    CareContact.Kind.PHYSICAL: "HH",
    CareContact.Kind.ROUND: "HH",
}


def to_fhir(contact: CareContact) -> dict:
    return {
        "resourceType": "Encounter",
        "id": str(contact.pk),
        "meta": {"lastUpdated": contact.occurred_at.isoformat()},
        "status": "finished",
        "class": {"system": ACT_CODE, "code": CLASS.get(contact.kind, "VR")},
        "type": [
            {
                "coding": [{"system": codes.LOCAL, "code": contact.kind}],
                "text": str(contact.get_kind_display()),
            }
        ],
        "subject": {"reference": f"Patient/{contact.resident_id}"},
        "participant": [{"individual": {"reference": f"Practitioner/{contact.clinician_id}"}}],
        "period": {"start": contact.occurred_at.isoformat()},
        "serviceProvider": {"reference": f"Organization/{contact.unit_id}"},
    }

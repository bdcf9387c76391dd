"""A resident's named physician (fast läkarkontakt) and deputy ↔ FHIR CareTeam.

One CareTeam per resident, with the resident's id; the participants are the current assignments
(`careteams.PhysicianAssignment`) with their role (digifys codes `named`, `deputy`) and the date
from which they hold it. The resident must come from `residents.selectors.with_care_team`.
"""

from fhir.resources.R4B.careteam import CareTeam

from digifys.residents import selectors
from digifys.residents.models import Resident

from .. import codes


def to_fhir(resident: Resident) -> CareTeam:
    participants = []
    for assignment in (selectors.named_physician(resident), selectors.deputy(resident)):
        if assignment is None:
            continue
        participants.append(
            {
                "role": [
                    {
                        "coding": [{"system": codes.LOCAL, "code": assignment.role}],
                        "text": str(assignment.get_role_display()),
                    }
                ],
                "member": {
                    "reference": f"Practitioner/{assignment.physician_id}",
                    "display": assignment.physician.user.get_full_name(),
                },
                "period": {"start": assignment.started_at.isoformat()},
            }
        )
    data = {
        "resourceType": "CareTeam",
        "id": str(resident.pk),
        "status": "active",
        "subject": {"reference": f"Patient/{resident.pk}"},
        "managingOrganization": [
            {"reference": f"Organization/{resident.unit_id}", "display": resident.unit.name}
        ],
    }
    if participants:
        data["participant"] = participants
    return CareTeam.model_validate(data)

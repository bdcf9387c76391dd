"""One entry of the access log (audit.AuditEvent, append-only) ↔ FHIR AuditEvent (read-only).

Type DICOM 110110 "Patient Record"; the action as C/R/U/D/E; purpose of use from v3 ActReason
(care `ETREAT`, emergency access `BTG`, administration and log review `HOPERAT`, the patient's
request `PATRQT`; domain-spec §8.1 marks these codes as not re-verified). The id is the log's
sequence number.
"""

from digifys.audit.models import AuditEvent

from .. import codes

DCM = "http://dicom.nema.org/resources/ontology/DCM"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ACTION = {
    AuditEvent.Action.CREATE: "C",
    AuditEvent.Action.UPDATE: "U",
    AuditEvent.Action.BLOCK: "U",
    AuditEvent.Action.DELETE: "D",
}
PURPOSE = {
    AuditEvent.Purpose.CARE: "ETREAT",
    AuditEvent.Purpose.EMERGENCY: "BTG",
    AuditEvent.Purpose.ADMINISTRATION: "HOPERAT",
    AuditEvent.Purpose.REVIEW: "HOPERAT",
    AuditEvent.Purpose.PATIENT_REQUEST: "PATRQT",
}


def to_fhir(event: AuditEvent) -> dict:
    agents = [
        {
            "type": {"coding": [{"system": codes.LOCAL, "code": event.actor_role or "system"}]},
            "who": {"display": event.actor_name or "digifys"},
            "requestor": True,
        }
    ]
    client = (event.details or {}).get("api_client_name")
    if client:
        agents.append(
            {
                "type": {"coding": [{"system": codes.LOCAL, "code": "api-client"}]},
                "who": {"display": str(client)[:200]},
                "requestor": False,
            }
        )
    entities = []
    if event.resident_id:
        entities.append({"what": {"reference": f"Patient/{event.resident_id}"}})
    if event.object_type:
        entities.append(
            {
                "what": {
                    "identifier": {
                        "system": f"{codes.LOCAL}:{event.object_type}",
                        "value": event.object_id or "-",
                    }
                }
            }
        )
    data = {
        "resourceType": "AuditEvent",
        "id": str(event.seq),
        "meta": {"lastUpdated": event.occurred_at.isoformat()},
        "type": {"system": DCM, "code": "110110", "display": "Patient Record"},
        "subtype": [{"system": codes.LOCAL, "code": event.action}],
        "action": ACTION.get(event.action, "R"),
        "recorded": event.occurred_at.isoformat(),
        "outcome": "0",
        "agent": agents,
        "source": {"observer": {"display": event.organisation_name or "digifys"}},
        "purposeOfEvent": [
            {"coding": [{"system": ACT_REASON, "code": PURPOSE.get(event.purpose, "ETREAT")}]}
        ],
    }
    if entities:
        data["entity"] = entities
    return data

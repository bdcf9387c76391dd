"""A message in a consult's thread (consults.ConsultMessage) ↔ FHIR Communication.

The consult the message belongs to is `partOf`, a logical reference by identifier (system
`CONSULT`, value the consult's id): the consult itself is not served as a resource yet. Thread
events (kind `event`) are not messages and are not served.
"""

from digifys.consults.models import ConsultMessage

from .. import codes

CONSULT = "urn:digifys:fhir:consult"


def to_fhir(message: ConsultMessage) -> dict:
    consult = message.consult
    data = {
        "resourceType": "Communication",
        "id": str(message.pk),
        "meta": {"lastUpdated": message.created_at.isoformat()},
        "status": "completed",
        "category": [{"coding": [{"system": codes.LOCAL, "code": message.kind}]}],
        "partOf": [{"identifier": {"system": CONSULT, "value": str(consult.pk)}}],
        "subject": {"reference": f"Patient/{consult.resident_id}"},
        "sent": message.created_at.isoformat(),
        "payload": [{"contentString": message.text}],
    }
    if consult.observation_id:
        data["about"] = [{"reference": f"Observation/{consult.observation_id}-panel"}]
    if message.author_id:
        sender = {"display": message.author.get_full_name() or message.author.username}
        profile = getattr(message.author, "staff_profile", None)
        if profile is not None:
            sender["reference"] = f"Practitioner/{profile.pk}"
        data["sender"] = sender
    return data

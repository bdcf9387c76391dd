"""A resident's relative with a consent in force (residents.Relative) ↔ FHIR RelatedPerson."""

from digifys.residents.models import Relative

from .. import codes

ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
# digifys relationship -> v3 RoleCode.
RELATIONSHIP = {
    Relative.Relationship.SPOUSE: "SPS",
    Relative.Relationship.CHILD: "CHILD",
    Relative.Relationship.GRANDCHILD: "GRNDCHILD",
    Relative.Relationship.SIBLING: "SIB",
    Relative.Relationship.NIECE_NEPHEW: "NIENEPH",
    Relative.Relationship.FRIEND: "FRND",
    Relative.Relationship.OTHER: "O",
}


def to_fhir(relative: Relative) -> dict:
    coding = [{"system": ROLE_CODE, "code": RELATIONSHIP.get(relative.relationship, "O")}]
    if relative.legal_representative:
        coding.append({"system": codes.LOCAL, "code": relative.legal_representative})
    data = {
        "resourceType": "RelatedPerson",
        "id": str(relative.pk),
        "active": True,
        "patient": {"reference": f"Patient/{relative.resident_id}"},
        "relationship": [{"coding": coding, "text": str(relative.get_relationship_display())}],
        "name": [{"family": relative.family_name, "given": [relative.given_name]}],
    }
    telecom = []
    if relative.phone:
        telecom.append({"system": "phone", "value": relative.phone})
    if relative.email:
        telecom.append({"system": "email", "value": relative.email})
    if telecom:
        data["telecom"] = telecom
    return data

"""Nursing homes, units and the virtual clinic (directory.Organisation) ↔ FHIR Location.

A Location has the id of its organisation; the virtual clinic is a Location with mode `kind`
(a kind of place, not one building: domain-spec §8.1), every other one mode `instance`.
"""

from digifys.directory.models import Organisation

from .. import codes

KINDS = (
    Organisation.Kind.NURSING_HOME,
    Organisation.Kind.UNIT,
    Organisation.Kind.VIRTUAL_CLINIC,
    Organisation.Kind.HEALTH_CENTRE,
)


def to_fhir(organisation: Organisation) -> dict:
    data = {
        "resourceType": "Location",
        "id": str(organisation.pk),
        "status": "active" if organisation.is_active else "inactive",
        "name": organisation.name,
        "mode": "kind" if organisation.kind == Organisation.Kind.VIRTUAL_CLINIC else "instance",
        "type": [
            {
                "coding": [{"system": codes.LOCAL, "code": organisation.kind}],
                "text": str(organisation.get_kind_display()),
            }
        ],
        "managingOrganization": {"reference": f"Organization/{organisation.pk}"},
    }
    if organisation.hsa_id:
        data["identifier"] = [{"system": codes.HSA_ID, "value": organisation.hsa_id}]
    if organisation.street_address or organisation.city:
        address = {"country": organisation.country}
        if organisation.street_address:
            address["line"] = [organisation.street_address]
        if organisation.postal_code:
            address["postalCode"] = organisation.postal_code
        if organisation.city:
            address["city"] = organisation.city
        data["address"] = address
    if organisation.parent_id and organisation.parent.kind in KINDS:
        data["partOf"] = {"reference": f"Location/{organisation.parent_id}"}
    if organisation.kind == Organisation.Kind.VIRTUAL_CLINIC:
        data["physicalType"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                    "code": "vi",
                    "display": "Virtual",
                }
            ]
        }
    return data

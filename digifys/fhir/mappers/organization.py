"""directory.Organisation ↔ FHIR Organization (the hierarchy through `partOf`)."""

from fhir.resources.R4B.organization import Organization

from digifys.directory.models import Organisation

from .. import codes


def to_fhir(organisation: Organisation) -> Organization:
    data = {
        "resourceType": "Organization",
        "id": str(organisation.pk),
        "active": organisation.is_active,
        "name": organisation.name,
        "type": [
            {
                "coding": [{"system": codes.LOCAL, "code": organisation.kind}],
                "text": str(organisation.get_kind_display()),
            }
        ],
    }
    if organisation.hsa_id:
        data["identifier"] = [{"system": codes.HSA_ID, "value": organisation.hsa_id}]
    if organisation.parent_id:
        data["partOf"] = {"reference": f"Organization/{organisation.parent_id}"}
    address = {
        key: value
        for key, value in (
            ("line", [organisation.street_address] if organisation.street_address else None),
            ("postalCode", organisation.postal_code),
            ("city", organisation.city),
            ("country", organisation.country),
        )
        if value
    }
    if address:
        data["address"] = [address]
    return Organization.model_validate(data)

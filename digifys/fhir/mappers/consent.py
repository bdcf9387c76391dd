"""What a relative may see (relatives.Consent, never updated: each registration, change and
revocation is a row) ↔ FHIR Consent, one per relative with the relative's id.

Every row is one version: the first registration is version 1, each change or revocation the
next. A revoked consent is `inactive`. What it shares (the scopes) are the provision's codes.
"""

from digifys.relatives.models import Consent, Scope
from digifys.residents.models import Relative

from .. import codes

CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
LOINC_CONSENT = "59284-0"


def _version(relative: Relative, row: Consent) -> dict:
    shared = [scope for scope in Scope.values if getattr(row, scope)]
    provision = {
        "type": "permit",
        "period": {"start": row.given_on.isoformat()},
        "actor": [
            {
                "role": {"coding": [{"system": ROLE_CODE, "code": "NOK"}]},
                "reference": {"reference": f"RelatedPerson/{relative.pk}"},
            }
        ],
    }
    if row.valid_until:
        provision["period"]["end"] = row.valid_until.isoformat()
    if shared:
        provision["code"] = [
            {"coding": [{"system": codes.LOCAL, "code": scope}], "text": str(Scope(scope).label)}
            for scope in shared
        ]
    if row.basis == Consent.Basis.RESIDENT:
        performer = {"reference": f"Patient/{row.resident_id}"}
        rule = {"coding": [{"system": ACT_CODE, "code": "OPTIN"}]}
    else:
        performer = (
            {"reference": f"PractitionerRole/{row.assessed_by_id}"} if row.assessed_by_id else None
        )
        rule = {"coding": [{"system": codes.LOCAL, "code": row.basis}]}
    data = {
        "resourceType": "Consent",
        "id": str(relative.pk),
        "meta": {"lastUpdated": row.recorded_at.isoformat()},
        "status": "inactive" if row.event == Consent.Event.REVOKED else "active",
        "scope": {"coding": [{"system": CONSENT_SCOPE, "code": "patient-privacy"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": LOINC_CONSENT}]}],
        "patient": {"reference": f"Patient/{row.resident_id}"},
        "dateTime": row.recorded_at.isoformat(),
        "policyRule": rule,
        "provision": provision,
    }
    if performer:
        data["performer"] = [performer]
    return data


def rows(relative: Relative) -> list[Consent]:
    return sorted(relative.consents.all(), key=lambda row: (row.recorded_at, row.pk))


def to_fhir(relative: Relative) -> dict:
    return _version(relative, rows(relative)[-1])


def history(relative: Relative) -> list[dict]:
    return [_version(relative, row) for row in rows(relative)]

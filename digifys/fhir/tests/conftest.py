import pytest

from digifys.fhir import codes, services

ALL = "user/*.read user/*.write"


@pytest.fixture
def token_for(world):
    """Issue an API token acting for USER with SCOPES (registered by the administrator)."""

    def _token(user, scopes: str = ALL) -> str:
        _client, token = services.register_client(
            actor=world.administrator, user=user, name=f"test {user.username}", scopes=scopes
        )
        return token

    return _token


@pytest.fixture
def fhir(client, token_for):
    """`fhir(user).get(path)` / `.post(path, data, headers)` with USER's bearer token."""

    class Api:
        def __init__(self, user, scopes):
            self.headers = {"Authorization": f"Bearer {token_for(user, scopes)}"}

        def get(self, path, headers=None):
            return client.get(f"/fhir/R4/{path}", headers={**self.headers, **(headers or {})})

        def post(self, path, data, headers=None):
            import json

            return client.post(
                f"/fhir/R4/{path}",
                data=json.dumps(data) if not isinstance(data, str | bytes) else data,
                content_type="application/fhir+json",
                headers={**self.headers, **(headers or {})},
            )

        def delete(self, path, headers=None):
            return client.delete(f"/fhir/R4/{path}", headers={**self.headers, **(headers or {})})

        def put(self, path, data, headers=None):
            import json

            return client.put(
                f"/fhir/R4/{path}",
                data=json.dumps(data),
                content_type="application/fhir+json",
                headers={**self.headers, **(headers or {})},
            )

    return lambda user, scopes=ALL: Api(user, scopes)


def vital(
    patient_id: int, code: str, value, unit: str, *, when="2026-12-04T10:00:00+01:00", **extra
):
    """A vital-signs Observation with one valueQuantity (LOINC code, UCUM unit)."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": when,
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
        **extra,
    }


def panel(patient_id, *, when="2026-12-04T10:00:00+01:00", tag="set-1"):
    def entry(resource, identifier):
        resource["identifier"] = [{"system": "urn:oid:1.2.3", "value": identifier}]
        return {
            "resource": resource,
            "request": {
                "method": "POST",
                "url": "Observation",
                "ifNoneExist": f"identifier=urn:oid:1.2.3|{identifier}",
            },
        }

    """A transaction Bundle of a complete set: RR 22, SpO2 95, air, BP 105, pulse 95, A,
    38.3 °C (NEWS2 6), each entry with an identifier and its If-None-Exist."""
    category = vital(patient_id, "x", 0, "x")["category"]
    common = {
        "resourceType": "Observation",
        "status": "final",
        "category": category,
        "subject": {"reference": f"Patient/{patient_id}"},
        "effectiveDateTime": when,
    }
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            entry(vital(patient_id, "9279-1", 22, "/min", when=when), f"{tag}-rr"),
            entry(vital(patient_id, "59408-5", 95, "%", when=when), f"{tag}-spo2"),
            entry(
                {
                    **common,
                    "code": {"coding": [{"system": codes.LOCAL, "code": "air-or-oxygen"}]},
                    "valueBoolean": False,
                },
                f"{tag}-o2",
            ),
            entry(
                {
                    **common,
                    "code": {"coding": [{"system": codes.LOINC, "code": "85354-9"}]},
                    "component": [
                        {
                            "code": {"coding": [{"system": codes.LOINC, "code": "8480-6"}]},
                            "valueQuantity": {
                                "value": 105,
                                "unit": "mm[Hg]",
                                "system": codes.UCUM,
                                "code": "mm[Hg]",
                            },
                        }
                    ],
                },
                f"{tag}-bp",
            ),
            entry(vital(patient_id, "8867-4", 95, "/min", when=when), f"{tag}-hr"),
            entry(
                {
                    **common,
                    "code": {"coding": [{"system": codes.LOCAL, "code": "acvpu"}]},
                    "valueCodeableConcept": {"coding": [{"system": codes.LOCAL, "code": "A"}]},
                },
                f"{tag}-acvpu",
            ),
            entry(vital(patient_id, "8310-5", 38.3, "Cel", when=when), f"{tag}-temp"),
        ],
    }

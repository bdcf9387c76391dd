import pytest

from digifys.fhir import services

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

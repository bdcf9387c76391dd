"""Refusals as FHIR OperationOutcome with the right HTTP status.

Every handler raises `FhirError`; the dispatcher (views.py) turns it, and Django's own 403/404,
into an OperationOutcome response. Nothing else builds an error body.
"""

from fhir.resources.R4B.operationoutcome import OperationOutcome


class FhirError(Exception):
    """A refusal: STATUS (HTTP), CODE (FHIR issue type), DIAGNOSTICS (translated text) and the
    element(s) it is about (EXPRESSION, FHIRPath, e.g. "Observation.valueQuantity")."""

    def __init__(
        self,
        status: int,
        code: str,
        diagnostics: str,
        *,
        expression: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = str(diagnostics)
        self.expression = expression or []
        self.headers = headers or {}

    def outcome(self) -> OperationOutcome:
        return outcome([(self.code, self.diagnostics, self.expression)])


def outcome(issues, *, severity: str = "error") -> OperationOutcome:
    """Return an OperationOutcome with one issue per (code, diagnostics, expression)."""
    return OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": severity,
                    "code": code,
                    "diagnostics": diagnostics,
                    **({"expression": expression} if expression else {}),
                }
                for code, diagnostics, expression in issues
            ],
        }
    )

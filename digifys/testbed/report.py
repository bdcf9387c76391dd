"""The conformance report of a company (or one of its clients): what its requests did.

Interactions are named as in the FHIR specification from the method and the path; a vital sign
is "right" when it carries the LOINC code and the UCUM unit of digifys.fhir.codes (the FHIR R4
vital-signs profile); NEWS2 results are the scored sets the sandbox's device user recorded.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q

from digifys.fhir import codes
from digifys.fhir.models import ApiClient, SmartClient
from digifys.vitals.models import Observation

from .models import RequestLog, Sandbox

EXPECTED_UNITS = {
    f"{codes.LOINC}|{code}": unit
    for _part, loinc_codes, _field, unit in codes.QUANTITIES
    for code in loinc_codes
}
EXPECTED_UNITS[f"{codes.LOINC}|{codes.SYSTOLIC}"] = "mm[Hg]"
EXPECTED_UNITS[f"{codes.LOINC}|{codes.DIASTOLIC}"] = "mm[Hg]"


def interaction(method: str, path: str) -> tuple[str, str]:
    """(interaction, resource type) of a request to /fhir/R4/… or to the token endpoint."""
    if not path.startswith("/fhir/"):
        return "token", ""  # /oauth/token: a key client asking for an access token
    parts = [p for p in path.split("?")[0].split("/") if p][2:]  # after fhir/R4
    resource = parts[0] if parts else ""
    if method == "POST":
        return ("transaction", "Bundle") if not parts else ("create", resource)
    if method == "PUT":
        return "update", resource
    if resource == "metadata":
        return "capabilities", ""
    if len(parts) >= 3 and parts[2] == "_history":
        return ("vread" if len(parts) > 3 else "history"), resource
    return ("read" if len(parts) >= 2 else "search-type"), resource


@dataclass
class Report:
    requests: int = 0
    interactions: list = field(default_factory=list)  # (interaction, resource, count)
    refused: int = 0
    refusals: list = field(default_factory=list)  # (issue code, count)
    vitals_right: int = 0
    vitals_wrong: list = field(default_factory=list)  # (system|code, unit, expected unit)
    news2: list = field(default_factory=list)  # Observations with a NEWS2 total
    median_ms: float | None = None
    p95_ms: float | None = None

    @property
    def interaction_lines(self) -> list[tuple[str, int]]:
        """(label, count) per interaction: "read Patient", or "token" (no resource type)."""
        return [(f"{i} {r}" if r else i, n) for i, r, n in self.interactions]


def requests_of(sandbox: Sandbox):
    """The logged requests of SANDBOX's clients: its token clients and its key clients."""
    user = sandbox.device_user_id
    return RequestLog.objects.filter(
        Q(client__in=ApiClient.objects.filter(user=user).values("pk"))
        | Q(key_client__in=SmartClient.objects.filter(application__user=user).values("pk"))
    )


def build(sandbox: Sandbox, *, client=None) -> Report:
    """The report of every client of SANDBOX, or of CLIENT alone (an ApiClient or a key
    client, a SmartClient)."""
    logs = requests_of(sandbox)
    if isinstance(client, SmartClient):
        logs = logs.filter(key_client=client)
    elif client is not None:
        logs = logs.filter(client=client)
    rows = list(logs.values_list("method", "path", "status", "issues", "codings", "latency_ms"))
    report = Report(requests=len(rows))
    used = Counter()
    issues = Counter()
    wrong = Counter()
    for method, path, status, row_issues, codings, _latency in rows:
        used[interaction(method, path)] += 1
        if status >= 400:
            report.refused += 1
            issues.update(row_issues or ["unknown"])
        for coding, unit in codings:
            expected = EXPECTED_UNITS.get(coding)
            if expected is not None and expected == unit:
                report.vitals_right += 1
            else:
                wrong[(coding, unit, expected or "")] += 1
    report.interactions = sorted((i, r, n) for (i, r), n in used.items())
    report.refusals = issues.most_common()
    report.vitals_wrong = [(*key, n) for key, n in wrong.most_common()]
    latencies = sorted(row[5] for row in rows)
    if latencies:
        report.median_ms = statistics.median(latencies)
        report.p95_ms = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    if sandbox.unit_id is not None:
        report.news2 = list(
            Observation.objects.filter(
                unit=sandbox.unit,
                recorded_by=sandbox.device_user,
                source=Observation.Source.DEVICE,
                news2_total__isnull=False,
            )
            .select_related("resident")
            .order_by("-measured_at")[:50]
        )
    return report

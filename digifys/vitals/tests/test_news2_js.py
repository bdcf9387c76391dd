"""The JavaScript NEWS2 preview (static/vitals/news2.js) scores exactly as the server does.

Both read the one scoring table (vitals/news2_table.json). The JavaScript runs in node on the
test vectors of domain-spec §1.7, every band edge of RCP Chart 1, the temperature rounding cases
and refused values; each result is compared with what the server computes from the same typed
values (`services.validate_vitals` then `services.score_any`, as the live preview does).
"""

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from digifys.vitals import news2, services

VITALS = Path(news2.__file__).parent
NEWS2_JS = VITALS / "static" / "vitals" / "news2.js"
RUNNER = Path(__file__).with_name("news2_node_runner.js")

NORMAL = {
    "respiratory_rate": "16",
    "spo2": "97",
    "spo2_scale": "1",
    "on_oxygen": "air",
    "systolic_bp": "130",
    "pulse": "72",
    "consciousness": "A",
    "temperature": "36,8",
}
# domain-spec §1.7: RR, SpO2, scale, O2, SBP, pulse, ACVPU, temperature → total, band.
VECTORS = [
    (("22", "95", "1", "air", "105", "95", "A", "38.3"), 6, "medium"),
    (("18", "97", "1", "air", "130", "72", "C", "36.8"), 3, "low-medium"),
    (("24", "95", "2", "oxygen", "118", "104", "A", "37.2"), 7, "high"),
    (("26", "90", "1", "oxygen", "88", "125", "V", "39.4"), 18, "high"),
    (("16", "89", "2", "air", "125", "80", "A", "36.9"), 0, "low"),
    (("16", "89", "1", "air", "125", "80", "A", "36.9"), 3, "low-medium"),
]
KEYS = ("respiratory_rate", "spo2", "spo2_scale", "on_oxygen", "systolic_bp", "pulse")
KEYS += ("consciousness", "temperature")
EDGES = {
    "respiratory_rate": [0, 1, 8, 9, 11, 12, 20, 21, 24, 25, 80, 81],
    "spo2": [0, 1, 50, 83, 84, 85, 86, 87, 88, 91, 92, 93, 94, 95, 96, 97, 100, 101],
    "systolic_bp": [39, 40, 90, 91, 100, 101, 110, 111, 219, 220, 300, 301],
    "pulse": [19, 20, 40, 41, 50, 51, 90, 91, 110, 111, 130, 131, 250, 251],
    "temperature": [
        "24,9",
        "25",
        "34,95",
        "35,0",
        "35,04",
        "35,05",
        "35,1",
        "36",
        "36,04",
        "36,05",
        "36.1",
        "38.0",
        "38,049",
        "38,05",
        "38,1",
        "39",
        "39,05",
        "39,1",
        "44",
        "44,04",
        "44,05",
    ],
}
ODD = ["", " 95 ", "95,0", "95.00", "95.5", "9e1", "NaN", "abc", "-1", "1 000", "0x10", "+5"]


def _cases() -> list[dict]:
    cases = [dict(zip(KEYS, values, strict=True)) for values, _total, _band in VECTORS]
    for name, values in EDGES.items():
        for value, scale, oxygen in itertools.product(values, ("1", "2"), ("air", "oxygen")):
            cases.append({**NORMAL, name: str(value), "spo2_scale": scale, "on_oxygen": oxygen})
    for name in EDGES:
        cases.extend({**NORMAL, name: value} for value in ODD)
    for level in ("A", "C", "V", "P", "U", "", "X"):
        cases.append({**NORMAL, "consciousness": level})
    # Partial sets: each parameter left out in turn, and Scale 2 without air or oxygen.
    for name in ("respiratory_rate", "spo2", "on_oxygen", "systolic_bp", "pulse", "temperature"):
        cases.append({**NORMAL, name: ""})
        cases.append({**NORMAL, name: "", "respiratory_rate": "7"})
    for spo2 in ("80", "86", "92", "93", "97"):
        cases.append({"spo2": spo2, "spo2_scale": "2", "on_oxygen": ""})
    cases.append({"spo2_scale": "1"})
    return cases


def _server(typed: dict) -> dict:
    """What the server's live preview computes from TYPED."""
    values = {
        name: typed.get(name, "")
        for name in services.NEWS2_FIELDS
        if name not in ("on_oxygen", "consciousness")
    }
    oxygen = typed.get("on_oxygen", "")
    values["on_oxygen"] = {"air": False, "oxygen": True, "": None}.get(oxygen, oxygen)
    values["consciousness"] = typed.get("consciousness", "")
    try:
        cleaned = services.validate_vitals(values, saving=False)
    except ValidationError as error:
        return {"errors": sorted(error.message_dict), "result": None}
    scale = int(typed.get("spo2_scale") or 1)
    result = services.score_any(cleaned, spo2_scale=scale)
    return {
        "errors": [],
        "result": {
            "total": result.total,
            "subscores": dict(result.subscores),
            "red_flag": result.red_flag,
            "band": result.band,
            "spo2_scale": scale,
        },
    }


def _browser(cases: list[dict]) -> list[dict]:
    node = shutil.which("node")
    if node is None:  # pragma: no cover - node is part of the test machine (Makefile)
        pytest.fail("node is needed to run the JavaScript NEWS2 tests")
    payload = json.dumps({"client": news2.client_table(), "cases": cases})
    done = subprocess.run(  # noqa: S603 - our own script and file, no user input
        [node, str(RUNNER), str(NEWS2_JS)],
        input=payload,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    results = json.loads(done.stdout)
    for result in results:
        result["errors"] = sorted(result["errors"])
    return results


def test_the_javascript_scores_the_domain_spec_vectors_as_documented():
    cases = [dict(zip(KEYS, values, strict=True)) for values, _total, _band in VECTORS]
    results = _browser(cases)
    assert [(r["result"]["total"], r["result"]["band"]) for r in results] == [
        (total, band) for _values, total, band in VECTORS
    ]


def test_the_javascript_agrees_with_score_news2_on_every_case():
    cases = _cases()
    assert len(cases) > 300
    browser = _browser(cases)
    server = [_server(case) for case in cases]
    disagreements = [
        (case, js, py) for case, js, py in zip(cases, browser, server, strict=True) if js != py
    ]
    assert disagreements == []


def test_the_comparison_can_fail_when_the_table_differs():
    """A changed band in the JavaScript's copy of the table is caught by the comparison."""
    client = news2.client_table()
    client["table"] = {**client["table"], "pulse": [[40, 3], [50, 1], [91, 0], [None, 3]]}
    payload = json.dumps({"client": client, "cases": [{**NORMAL, "pulse": "91"}]})
    done = subprocess.run(  # noqa: S603 - our own script and file, no user input
        [shutil.which("node") or "node", str(RUNNER), str(NEWS2_JS)],
        input=payload,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout)[0]["result"] != _server({**NORMAL, "pulse": "91"})["result"]


def test_python_reads_the_same_table_file():
    table = json.loads((VITALS / "news2_table.json").read_text(encoding="utf-8"))
    assert table == news2.TABLE
    assert news2.client_table()["limits"]["tenths"]["temperature"] == [250, 440]

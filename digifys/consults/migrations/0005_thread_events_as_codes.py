"""Thread events as code + parameters (issue 12 §4 item 5).

Events were stored as Swedish text. This migration reads the texts the services wrote back into
codes and parameters (the Swedish wordings are frozen here, as the catalogue had them); an event
it cannot read keeps its text and no code, and is shown as stored. Backwards, every coded event
gets its Swedish rendering back as its text (a task's measured vital signs become part of
the result text, as the services used to write them).
"""

import re

from django.db import migrations, models

ROUTES = {
    "Fast läkarkontakt": "named",
    "Ersättare": "deputy",
    "Tjänstgörande läkare, virtuell mottagning": "on_duty",
    "Överlämnad": "handover",
    "Fast läkarkontakt (ingen i tjänst)": "nobody",
}
KINDS = {
    "Mät vitalparametrar": "vitals",
    "Ta prov": "sample",
    "Kontrollera sår": "wound",
    "Genomför läkemedelsändring": "medication",
    "Fysiskt besök": "visit",
    "Annan": "other",
}
NOBODY = (
    "Svarstiden passerades och ingen annan läkare är i tjänst. Följ enhetens rutin (jourläkare, "
    "1177 eller 112)."
)
VITALS_REQUEST = "Ta nya vitalparametrar (NEWS2) och registrera dem."
TITLE = re.compile(r"(?P<kind>" + "|".join(map(re.escape, KINDS)) + r"): (?P<instructions>.*)", re.S)
PATTERNS = [
    ("sent", r"Skickad till (?P<name>.+) \((?P<route>.+)\)\."),
    ("accepted", r"Mottagen av (?P<name>.+)\."),
    ("handed_over", r"Överlämnad från (?P<from>.+?) till (?P<to>.+?): (?P<reason>.*)"),
    ("escalated", r"Svarstiden passerades\. Eskalerad från (?P<from>.+?) till (?P<to>.+)\."),
    ("order_placed", r"Ordination: (?P<title>.+) \(antal uppgifter: (?P<count>\d+)\)"),
    ("task_done", r"Utförd: (?P<title>.+?) — (?P<note>.*)"),
    ("task_overdue", r"Uppgift försenad: (?P<title>.+)"),
    ("order_cancelled", r"Ordination avbruten: (?P<reason>.*)"),
    ("closed", r"Avslutad: (?P<reason>.*)"),
]
TEMPLATES = {
    "sent": "Skickad till {name} ({route}).",
    "accepted": "Mottagen av {name}.",
    "handed_over": "Överlämnad från {from} till {to}: {reason}",
    "escalated": "Svarstiden passerades. Eskalerad från {from} till {to}.",
    "order_placed": "Ordination: {kind}: {instructions} (antal uppgifter: {count})",
    "task_done": "Utförd: {kind}: {instructions} — {note}",
    "task_overdue": "Uppgift försenad: {kind}: {instructions}",
    "order_cancelled": "Ordination avbruten: {reason}",
    "closed": "Avslutad: {reason}",
}


def parse(body: str):
    """(code, params) of a legacy Swedish event text, or None."""
    if body == NOBODY:
        return "escalated_nobody", {}
    for code, pattern in PATTERNS:
        found = re.fullmatch(pattern, body, flags=re.S)
        if found is None:
            continue
        params = found.groupdict()
        if "route" in params:
            if params["route"] not in ROUTES:
                return None
            params["route"] = ROUTES[params["route"]]
        if "title" in params:
            title = TITLE.fullmatch(params.pop("title"))
            if title is None:
                return None
            params["kind"] = KINDS[title["kind"]]
            params["instructions"] = title["instructions"]
        if "count" in params:
            params["count"] = int(params["count"])
        return code, params
    return None


def to_codes(apps, schema_editor):
    Message = apps.get_model("consults", "ConsultMessage")
    changed = []
    for message in Message.objects.filter(code="").exclude(body="").iterator():
        if message.kind == "vitals_request" and message.body == VITALS_REQUEST:
            message.code, message.params, message.body = "vitals_request", {}, ""
            changed.append(message)
        elif message.kind == "event" and (parsed := parse(message.body)) is not None:
            message.code, message.params = parsed
            message.body = ""
            changed.append(message)
    Message.objects.bulk_update(changed, ["code", "params", "body"], batch_size=500)


def swedish_vitals(values: dict) -> str:
    """Vital signs stored with a task_done event, written as the services used to write them."""
    parts = [f"NEWS2 {values['news2_total']}"] if "news2_total" in values else []
    for key, label, unit in (
        ("respiratory_rate", "AF", "/min"),
        ("spo2", "SpO2", "%"),
        ("systolic_bp", "BT", "mmHg"),
        ("pulse", "Puls", "/min"),
        ("temperature", "Temp", "°C"),
    ):
        if key in values:
            parts.append(f"{label} {str(values[key]).replace('.', ',')} {unit}")
    if values.get("consciousness"):
        parts.append(f"ACVPU {values['consciousness']}")
    return ", ".join(parts)


def to_text(apps, schema_editor):
    Message = apps.get_model("consults", "ConsultMessage")
    routes = {value: label for label, value in ROUTES.items()}
    kinds = {value: label for label, value in KINDS.items()}
    changed = []
    for message in Message.objects.exclude(code="").iterator():
        params = {key: str(value) for key, value in (message.params or {}).items()}
        params["route"] = routes.get(params.get("route"), params.get("route", ""))
        params["kind"] = kinds.get(params.get("kind"), params.get("kind", ""))
        measured = swedish_vitals((message.params or {}).get("vitals") or {})
        params["note"] = ". ".join(part for part in (measured, params.get("note", "")) if part)
        if message.code == "escalated_nobody":
            message.body = NOBODY
        elif message.code == "vitals_request":
            message.body = VITALS_REQUEST
        elif message.code in TEMPLATES:
            try:
                message.body = TEMPLATES[message.code].format(**params)
            except KeyError:
                message.body = message.code
        else:
            message.body = message.code
        changed.append(message)
    Message.objects.bulk_update(changed, ["body"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("consults", "0004_journal_note_revisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultmessage",
            name="code",
            field=models.CharField(
                blank=True, default="", max_length=40, verbose_name="event code"
            ),
        ),
        migrations.AddField(
            model_name="consultmessage",
            name="params",
            field=models.JSONField(blank=True, default=dict, verbose_name="event parameters"),
        ),
        migrations.AlterField(
            model_name="consultmessage",
            name="body",
            field=models.TextField(blank=True, verbose_name="message"),
        ),
        migrations.RunPython(to_codes, to_text, elidable=False),
    ]

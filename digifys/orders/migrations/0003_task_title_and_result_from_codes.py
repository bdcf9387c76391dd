"""Task titles and measured results rendered in the reader's language (issue 12 §4 item 5).

A task's title was stored as Swedish text ("Mät vitalparametrar: …"); it is now the order's kind
(shown as its label) and the physician's instructions, so the column goes. A result written by
the system from the vital signs measured ("NEWS2 3, AF 19 /min, …, Temp 37,0 °C") is removed from
the result text — the observation it came from is shown in the reader's formats — and what the
nurse typed after it is kept. Backwards, titles and those summaries are written again in Swedish.
"""

from django.db import migrations, models

KINDS = {
    "vitals": "Mät vitalparametrar",
    "sample": "Ta prov",
    "wound": "Kontrollera sår",
    "medication": "Genomför läkemedelsändring",
    "visit": "Fysiskt besök",
    "other": "Annan",
}


def legacy_summaries(observation) -> list[str]:
    """The summary as the services wrote it, with a decimal comma and with a decimal point."""
    variants = []
    for separator in (",", "."):
        parts = []
        if observation.news2_total is not None:
            parts.append(f"NEWS2 {observation.news2_total}")
        for label, value, unit in (
            ("AF", observation.respiratory_rate, "/min"),
            ("SpO2", observation.spo2, "%"),
            ("BT", observation.systolic_bp, "mmHg"),
            ("Puls", observation.pulse, "/min"),
            ("Temp", observation.temperature, "°C"),
        ):
            if value is not None:
                parts.append(f"{label} {str(value).replace('.', separator)} {unit}")
        if observation.consciousness:
            parts.append(f"ACVPU {observation.consciousness}")
        variants.append(", ".join(parts))
    return variants


def strip_summaries(apps, schema_editor):
    Task = apps.get_model("orders", "NurseTask")
    changed = []
    tasks = Task.objects.filter(status="done", observation__isnull=False).select_related(
        "observation"
    )
    for task in tasks.iterator():
        for summary in legacy_summaries(task.observation):
            if summary and task.result.startswith(summary):
                task.result = task.result[len(summary) :].lstrip(". ").strip()
                changed.append(task)
                break
    Task.objects.bulk_update(changed, ["result"], batch_size=500)


def restore_text(apps, schema_editor):
    Task = apps.get_model("orders", "NurseTask")
    changed = []
    for task in Task.objects.select_related("order", "observation").iterator():
        kind = KINDS.get(task.order.kind, task.order.kind)
        task.title = f"{kind}: {task.order.instructions}"[:200]
        if task.status == "done" and task.observation is not None:
            summary = legacy_summaries(task.observation)[0]
            task.result = ". ".join(part for part in (summary, task.result) if part)
        changed.append(task)
    Task.objects.bulk_update(changed, ["title", "result"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_initial"),
        ("vitals", "0003_oxygen_device_and_fio2"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="nursetask",
            name="done_task_has_result",
        ),
        migrations.RunPython(strip_summaries, restore_text, elidable=False),
        # A default first, so that going backwards re-adds the column before filling it.
        migrations.AlterField(
            model_name="nursetask",
            name="title",
            field=models.CharField(default="", max_length=200, verbose_name="task"),
        ),
        migrations.RemoveField(
            model_name="nursetask",
            name="title",
        ),
        migrations.AddConstraint(
            model_name="nursetask",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "done"), _negated=True),
                    models.Q(("result", ""), _negated=True),
                    ("observation__isnull", False),
                    _connector="OR",
                ),
                name="done_task_has_result",
            ),
        ),
    ]

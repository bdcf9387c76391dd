"""Stored notifications get a code + parameters where their text is one of the services'
messages in Swedish, English or Spanish (issue 12 §4 item 5), so the reader sees them in their
own language. The text stays (the delivery log); a text that matches no message keeps no code
and is shown as sent. Backwards nothing needs undoing: the texts are unchanged.

The messages are read with the registry and catalogues of the code being migrated.
"""

from django.db import migrations

KINDS = {
    "consult_new": ["consult_new"],
    "consult_answered": ["consult_answered"],
    "message": ["consult_message"],
    "consult_handover": ["consult_handed_over"],
    "consult_escalated": ["consult_escalated"],
    "task_new": ["task_new"],
    "task_done": ["task_done"],
    "task_overdue": ["task_overdue"],
    "panel_assigned": ["panel_named", "panel_deputy"],
}


def to_codes(apps, schema_editor):
    from digifys.core.codes import parse_any
    from digifys.notifications.models import MESSAGES

    Notification = apps.get_model("notifications", "Notification")
    changed = []
    rows = Notification.objects.filter(code="", kind__in=list(KINDS)).only("pk", "kind", "text")
    for row in rows.iterator():
        registry = {code: MESSAGES[code] for code in KINDS[row.kind] if code in MESSAGES}
        parsed = parse_any(registry, row.text)
        if parsed is not None:
            row.code, row.params = parsed
            changed.append(row)
    Notification.objects.bulk_update(changed, ["code", "params"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0004_login_locked_kind"),
    ]

    operations = [
        migrations.RunPython(to_codes, migrations.RunPython.noop, elidable=False),
    ]

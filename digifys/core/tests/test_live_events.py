"""Live events are published by services, on commit, through core.live (docs/architecture.md).

A view that broadcasts on its own sends before the transaction commits or not at all (an event
loop in the thread made one such copy drop the event), and a second caller of the service would
not publish. So views, consumers, API handlers and tasks never touch the channel layer or core.live.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the digifys package
CHANNEL_NAMES = {"get_channel_layer", "group_send", "publish", "send_now"}
ALLOWED = {
    # Being moved into visits.services.end_room by the visits work of issue 18 §3; remove it then.
    "visits/views.py",
    # Relays WebRTC signalling between the participants of a call: messages, not state changes.
    "visits/consumers.py",
}


def _is_broadcast(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute):
        return node.attr in CHANNEL_NAMES
    if isinstance(node, ast.Name):
        return node.id in CHANNEL_NAMES
    if isinstance(node, ast.ImportFrom):
        return node.module == "channels.layers"
    return False


def _broadcasts(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if _is_broadcast(node)]


def test_views_consumers_and_tasks_leave_publishing_to_the_services():
    offenders = []
    patterns = ("*/views.py", "*/*_views.py", "*/consumers.py", "*/tasks.py", "*/api/*.py")
    for pattern in (*patterns, "*/handlers.py"):  # handlers.py: the FHIR API
        for path in sorted(ROOT.glob(pattern)):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ALLOWED:
                continue
            offenders += [f"{relative}:{line}" for line in _broadcasts(path)]
    assert not offenders, (
        "These interfaces send live events themselves: "
        + ", ".join(offenders)
        + ". Publish from the service that makes the change, with core.live.publish (sent on "
        "commit)."
    )

"""A lint rule in the suite: views and consumers fetch resident data only through `visible_to`.

As Zulip's custom lint keeps `access_*_by_*` the only way to user-visible objects, this scans
every view and consumer module's syntax tree for `Model.objects.<anything but visible_to>` and
`get_object_or_404(Model, …)` on a model whose queryset has `visible_to`
(docs/architecture.md, "The access policy"). Accessor modules (`<app>/access.py`), services and
selectors are not views: they are where such fetches belong, behind the policy.
"""

import ast
from pathlib import Path

from django.apps import apps

import digifys

ROOT = Path(digifys.__file__).resolve().parent
# `Model.objects.<attr>` calls that go through the policy.
THROUGH_THE_POLICY = {"visible_to", "record_visible_to"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}

# (module, function, model) allowed to fetch without visible_to, each with the reason.
ALLOWED = {
    # Emergency access: the lookup must find a resident the clinician does not see yet (that is
    # its purpose); it takes two explicit steps with a reason, and both are logged.
    ("careteams/views.py", "_find_in_care", "Resident"): "the emergency-access lookup",
    # A clinician's calendar lists their own bookings: being the booked clinician is the
    # relationship, whatever the policy later says about the resident.
    ("scheduling/views.py", "calendar", "Booking"): "the clinician's own bookings",
    # The subscribed calendar feed has no login: its secret token names the clinician, and the
    # feed carries times and units only, no resident data.
    ("scheduling/views.py", "ics", "Booking"): "the token-authenticated own feed",
}


def _interface_modules() -> list[Path]:
    names = ("views.py", "consumers.py", "handlers.py")  # handlers.py: the FHIR API's views
    found = [p for p in ROOT.rglob("*.py") if p.name in names or p.name.endswith("_views.py")]
    found += list(ROOT.rglob("views/*.py"))
    return sorted(p for p in set(found) if "tests" not in p.parts and "migrations" not in p.parts)


def _models_with_visible_to() -> set[str]:
    return {
        model.__name__
        for model in apps.get_models()
        if hasattr(model._default_manager, "visible_to")
    }


def _functions(tree: ast.Module):
    """Yield (function name, node) for each top-level definition ("" for module-level code)."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name, node
        else:
            yield "", node


def violations(source: str, guarded: set[str]) -> list[tuple[int, str, str, str]]:
    """Return (line, function, model, call) for each fetch of a guarded model without visible_to."""
    found = []
    for function, top in _functions(ast.parse(source)):
        found += [(line, function, model, call) for line, model, call in _fetches(top, guarded)]
    return sorted(found)


def _fetches(tree: ast.AST, guarded: set[str]) -> list[tuple[int, str, str]]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "objects"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in guarded
            and node.attr not in THROUGH_THE_POLICY
        ):
            found.append((node.lineno, node.value.value.id, f"objects.{node.attr}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in SHORTCUTS
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in guarded
        ):
            found.append((node.lineno, node.args[0].id, node.func.id))
    return found


def test_views_and_consumers_fetch_resident_data_only_through_visible_to():
    guarded = _models_with_visible_to()
    assert {"Resident", "Round", "Room", "Participant", "Consult"} <= guarded
    problems = []
    for path in _interface_modules():
        module = path.relative_to(ROOT).as_posix()
        for line, function, model, call in violations(path.read_text(), guarded):
            if (module, function, model) not in ALLOWED:
                problems.append(f"digifys/{module}:{line}: {model}.{call} without visible_to")
    assert not problems, "Fetch through Model.objects.visible_to(user):\n" + "\n".join(problems)


def test_the_rule_catches_a_direct_fetch_and_a_bare_shortcut():
    source = (
        "def view(request, pk):\n"
        "    Resident.objects.get(pk=pk)\n"
        "    get_object_or_404(Room, pk=pk)\n"
        "    Round.objects.visible_to(request.user).get(pk=pk)\n"
    )
    assert violations(source, {"Resident", "Room", "Round"}) == [
        (2, "view", "Resident", "objects.get"),
        (3, "view", "Room", "get_object_or_404"),
    ]


def test_every_allowed_exception_names_an_existing_module():
    for module, function, _model in ALLOWED:
        tree = ast.parse((ROOT / module).read_text())
        assert function in dict(_functions(tree)), (module, function)

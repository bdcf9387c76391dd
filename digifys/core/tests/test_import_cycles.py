"""No two modules import each other, except an app's services and its tasks (docs/architecture.md).

An AST scan of every `import` and `from … import` under digifys/ (tests and migrations left out),
function-level imports included: a lazy import hides a circle from Python, not from the design.
One kind of lazy import is by design and left out: a model's `visible_to(user)` queryset method
delegating to the access policy (DESIGN.md §5.1), which in turn joins those models. The policy
is the one place that knows them all; the models only hand it the user.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the digifys package

# Allowed: a service enqueues its task, and the task (run later by the worker) calls the service.
# Each pair is explained under "Import circles" in docs/architecture.md.
ALLOWED = {
    ("digifys.consults.services", "digifys.consults.tasks"),
    ("digifys.orders.services", "digifys.orders.tasks"),
    ("digifys.messaging.services", "digifys.messaging.tasks"),
    # notifications' service module for sending is `delivery` (services.notify writes the rows).
    ("digifys.notifications.delivery", "digifys.notifications.tasks"),
    ("digifys.testbed.services", "digifys.testbed.tasks"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in ROOT.rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
    }


POLICY = "digifys.careteams.policy"


def _imports(tree: ast.AST, function: str | None = None):
    """Yield (import node, name of the innermost enclosing function or None)."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, function
        inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else None
        yield from _imports(child, inner or function)


def _is_policy_import(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.module == POLICY or (
            node.module == "digifys.careteams" and any(a.name == "policy" for a in node.names)
        )
    return any(alias.name == POLICY for alias in node.names)


def import_edges() -> dict[str, dict[str, int]]:
    """Return {module: {imported module: line}} for imports between digifys modules."""
    modules = _modules()
    edges: dict[str, dict[str, int]] = defaultdict(dict)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node, function in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if function == "visible_to" and _is_policy_import(node):
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # `from x import y` imports module x.y when y is a module, else a name from x.
                candidates = [target, *(f"{target}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            for target in candidates:
                if target in modules and target != name:
                    edges[name].setdefault(target, node.lineno)
    return edges


def two_file_circles(edges: dict[str, dict[str, int]]) -> list[tuple[str, str]]:
    return sorted(
        {
            tuple(sorted((a, b)))
            for a, targets in edges.items()
            for b in targets
            if a in edges.get(b, {})
        }
    )


def test_no_two_modules_import_each_other():
    edges = import_edges()
    circles = [pair for pair in two_file_circles(edges) if pair not in ALLOWED]
    described = [
        f"  {a} (line {edges[a][b]}) imports {b}, and {b} (line {edges[b][a]}) imports {a}"
        for a, b in circles
    ]
    assert not circles, (
        "Two modules import each other:\n"
        + "\n".join(described)
        + "\nMove what both need into a third module (a lower layer), or pass it in. Only an "
        "app's services ↔ tasks pair may be a circle, and it must be listed in ALLOWED here and "
        "explained under 'Import circles' in docs/architecture.md."
    )


def test_the_scan_sees_a_circle(tmp_path, monkeypatch):
    """The scan itself: two modules that import each other (one lazily) are found."""
    package = tmp_path / "digifys"
    (package / "alpha").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "alpha" / "__init__.py").write_text("")
    (package / "alpha" / "services.py").write_text("from digifys.alpha import views\n")
    (package / "alpha" / "views.py").write_text("def f():\n    from .services import g\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", package)
    assert two_file_circles(import_edges()) == [("digifys.alpha.services", "digifys.alpha.views")]


def test_only_visible_to_may_import_the_policy_lazily(tmp_path, monkeypatch):
    """A model's visible_to delegating to the policy is no circle; any other import of it is."""
    package = tmp_path / "digifys"
    (package / "careteams").mkdir(parents=True)
    (package / "beta").mkdir()
    for init in (package, package / "careteams", package / "beta"):
        (init / "__init__.py").write_text("")
    (package / "careteams" / "policy.py").write_text("from digifys.beta.models import Thing\n")
    (package / "beta" / "models.py").write_text(
        "class Q:\n    def visible_to(self, user):\n"
        "        from digifys.careteams.policy import f\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", package)
    assert two_file_circles(import_edges()) == []
    (package / "beta" / "models.py").write_text(
        "def helper():\n    from digifys.careteams.policy import f\n"
    )
    assert two_file_circles(import_edges()) == [("digifys.beta.models", POLICY)]


def test_every_allowed_circle_still_exists():
    """An allowance for a circle that is gone would let a new one in unnoticed."""
    assert set(two_file_circles(import_edges())) >= ALLOWED

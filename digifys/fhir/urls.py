"""URL patterns generated from the route table (routes.py): one view per pattern."""

from django.urls import path, re_path

from . import smart, views
from .routes import ROUTES

app_name = "fhir"


def _name(pattern: str) -> str:
    if not pattern:
        return "base"
    if "/$" in pattern:  # an instance-level $operation: Group-export
        return pattern.split("/")[0] + "-" + pattern.rsplit("/$", 1)[1]
    if "_history/<" in pattern:
        return pattern.split("/")[0] + "-vread"
    if pattern.endswith("/_history"):
        return pattern.split("/")[0] + "-history"
    return pattern.split("/")[0] + ("-instance" if "<" in pattern else "-type")


_patterns: dict[str, list] = {}
for _route in ROUTES:
    _patterns.setdefault(_route.pattern, []).append(_route)

# Mounted at "fhir/": the base is "fhir/R4" without a slash (transactions are posted there, and a
# redirect would lose the body); "fhir/R4/" answers too.
BASE = "R4"
urlpatterns = [
    path(f"{BASE}/{pattern}" if pattern else BASE, views.endpoint(routes), name=_name(pattern))
    for pattern, routes in _patterns.items()
]
urlpatterns += [
    path(f"{BASE}/", views.endpoint(_patterns[""]), name="base-slash"),
    # SMART on FHIR discovery, relative to the base (smart.py).
    path(
        f"{BASE}/.well-known/smart-configuration",
        smart.smart_configuration,
        name="smart-configuration",
    ),
    # Everything else under /fhir/ (newlines included, which <path:> would not match).
    re_path(r"^(?P<rest>[\s\S]*)\Z", views.unknown, name="unknown"),
]

"""The project pins only what it uses, and its operations guide claims only what exists (issue 12 §4
items 19 and 20)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

# Distribution name → the module the code imports (or names in settings / the ASGI server set-up).
IMPORT_NAME = {
    "django": "django",
    "channels": "channels",
    "channels-redis": "channels_redis",
    "daphne": "daphne",
    "django-tasks": "django_tasks",
    "django-tasks-db": "django_tasks_db",
    "django-allauth": "allauth",
    "cryptography": "cryptography",
    "ortools": "ortools",
    "psycopg": "psycopg",
    "django-csp": "csp",
    "django-htmx": "django_htmx",
    "django-template-partials": "template_partials",
    "dj-database-url": "dj_database_url",
    "whitenoise": "whitenoise",
    "personnummer": "personnummer",
    "holidays": "holidays",
    "phonenumbers": "phonenumbers",
    "icalendar": "icalendar",
    "pillow": "PIL",
    "fpdf2": "fpdf",
    "matplotlib": "matplotlib",
    "fhir.resources": "fhir.resources",
    "django-oauth-toolkit": "oauth2_provider",
    "jwcrypto": "jwcrypto",
}


def _direct_dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        re.split(r"[\[=<>~!]", spec, maxsplit=1)[0].strip().lower()
        for spec in project["dependencies"]
    ]


def _source_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "digifys").rglob("*.py"))


def test_every_pinned_dependency_is_used_by_the_code():
    source = _source_text()
    unused = []
    for name in _direct_dependencies():
        module = IMPORT_NAME.get(name)
        assert module, f"{name}: add it to IMPORT_NAME (and use it) or drop the pin"
        used = re.search(rf"^\s*(from|import)\s+{re.escape(module)}\b", source, re.M) or re.search(
            rf"[\"']{re.escape(module)}[\"'.]", source
        )
        if not used:
            unused.append(name)
    assert unused == []


def test_the_lock_file_has_no_pins_for_removed_packages():
    lock = (ROOT / "requirements.lock").read_text().lower()
    # django-oauth-toolkit and jwcrypto were removed once unused; they are used now (fhir/smart.py).
    for name in ("django-ninja",):
        assert f"\n{name}==" not in f"\n{lock}", name


def test_operations_guide_does_not_claim_a_rota_gap_view():
    # No coordinator page shows gaps in the on-duty rota (careteams' overview lists units and
    # panels); the guide must not say one does.
    text = (ROOT / "docs" / "operations.md").read_text()
    assert "make gaps visible" not in text
    assert not re.search(r"coordinator overview[^.]*gaps", text)

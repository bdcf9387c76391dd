"""Swedish, English and Spanish are complete: every catalogue entry is translated, the
catalogues hold every string in the code, and every page renders in each language."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

LANGUAGES = [code for code, _name in settings.LANGUAGES]
LOCALE_DIR = Path(settings.BASE_DIR) / "digifys" / "locale"


# The Python/template catalogue, and the JavaScript one (the video client's strings).
DOMAINS = ["django", "djangojs"]


def _catalogue(language: str, domain: str = "django") -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_entry_is_translated(language, domain):
    catalogue = _catalogue(language, domain)
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert len(catalogue) > (100 if domain == "django" else 20)
    assert not untranslated, f"{language}: untranslated {untranslated[:10]}"
    assert not fuzzy, f"{language}: fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_the_source(language, domain):
    source = _catalogue(language, domain)
    compiled = polib.mofile(str(LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.mo"))
    compiled_ids = {(e.msgctxt, e.msgid) for e in compiled}
    missing = [
        e.msgid for e in source.translated_entries() if (e.msgctxt, e.msgid) not in compiled_ids
    ]
    assert not missing, f"{language}: run `make messages`; not compiled: {missing[:5]}"


@pytest.mark.slow
def test_the_catalogues_hold_every_string_in_the_code(tmp_path):
    """Run makemessages on a copy of the code and compare: a new string must be translated."""
    copy = tmp_path / "project"
    shutil.copytree(
        settings.BASE_DIR / "digifys",
        copy / "digifys",
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "data", "node_modules"),
    )
    shutil.copy(settings.BASE_DIR / "manage.py", copy / "manage.py")
    env = {"PATH": "/usr/bin:/bin", "DIGIFYS_DEMO": "1", "DIGIFYS_VAR_DIR": str(tmp_path / "var")}
    for domain in DOMAINS:
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "makemessages", "-d", domain, "--no-obsolete", "-v", "0"]
            + [f"-l{code}" for code in LANGUAGES],
            cwd=copy,
            env=env,
            check=True,
        )
    for language in LANGUAGES:
        for domain in DOMAINS:
            fresh = polib.pofile(
                str(copy / "digifys" / "locale" / language / "LC_MESSAGES" / f"{domain}.po")
            )
            shipped = {(e.msgctxt, e.msgid) for e in _catalogue(language, domain) if not e.obsolete}
            new = sorted(e.msgid for e in fresh if (e.msgctxt, e.msgid) not in shipped)
            assert not new, (
                f"{language} {domain}: strings missing from the catalogue "
                f"(run `make messages`): {new[:10]}"
            )


SKIP_LINK = {"sv": "Hoppa till innehållet", "en": "Skip to content", "es": "Saltar al contenido"}

PAGES = [
    ("accounts:login", {}, None),
    ("account_request_login_code", {}, None),
    ("mfa_activate_totp", {}, "nurse_mala"),
    ("mfa_index", {}, "nurse_mala"),
    ("accounts:preferences", {}, "nurse_mala"),
    ("residents:list", {}, "nurse_mala"),
    ("residents:register", {}, "coordinator"),
    ("relatives:home", {}, "relative_with_consent"),
    ("residents:detail", {"pk": "resident_mala"}, "physician_spain"),
    ("residents:change_registration", {"pk": "resident_mala"}, "coordinator"),
    ("residents:entitlement", {"pk": "resident_mala"}, "coordinator"),
    ("residents:cognitive_baseline", {"pk": "resident_mala"}, "nurse_mala"),
    ("directory:unit", {"pk": "unit_mala"}, "nurse_mala"),
    ("careteams:panel", {}, "physician_spain"),
    ("careteams:overview", {}, "coordinator"),
    ("careteams:emergency", {}, "nurse_storuman"),
    ("careteams:blocks", {"pk": "resident_mala"}, "coordinator"),
    ("audit:reviews", {}, "coordinator"),
    ("audit:extract", {"pk": "resident_mala"}, "coordinator"),
    ("admin:index", {}, "administrator"),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "kwargs", "persona"), PAGES, ids=[p[0] for p in PAGES])
def test_every_page_renders_in_each_language(world, login, language, name, kwargs, persona):
    client = login(world.persona(persona) if persona else None, language=language)
    url = reverse(name, kwargs={k: getattr(world, v).pk for k, v in kwargs.items()})
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    if not name.startswith("admin:"):
        assert SKIP_LINK[language] in page


def test_the_ui_is_swedish_whatever_the_browser_asks_for(world, client):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content
    assert '<html lang="sv"' in page.decode()


def test_a_staff_member_keeps_the_language_they_chose(world, login):
    client = login(world.physician_spain)
    client.post(reverse("accounts:set_language"), {"language": "es", "next": "/"})
    world.physician_spain.refresh_from_db()
    assert world.physician_spain.language == "es"
    client.cookies.clear()
    login(world.physician_spain)  # a fresh login; staff sessions need the second factor
    page = client.get(reverse("careteams:panel")).content.decode()
    assert '<html lang="es"' in page


def test_an_unknown_language_is_refused_and_nothing_changes(world, login):
    client = login(world.physician_spain)
    response = client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    world.physician_spain.refresh_from_db()
    assert world.physician_spain.language == ""

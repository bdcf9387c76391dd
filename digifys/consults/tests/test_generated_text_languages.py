"""Text the system generates reads in each reader's language (issue 12 §4 item 5).

A Spanish-language physician and a Swedish nurse work on the same consult: the thread's events,
the task titles and results, the notifications and the physician's professional title are stored
as codes + parameters and rendered for whoever reads them — on the page and in the live
fragments the page re-fetches. What people typed stays as typed.
"""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from digifys.consults import events, services
from digifys.core.codes import Phrase
from digifys.directory.models import StaffProfile
from digifys.notifications.models import MESSAGES, Notification
from digifys.orders import services as orders
from digifys.orders.models import NurseTask

from .builders import record_vitals, send

INSTRUCTIONS = "Kontrollera vitalparametrar och temperatur."
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def story(world):
    """Nurse (Swedish) sends, physician (Spanish) accepts and orders, nurse measures 37.0 °C."""
    nurse, physician = world.nurse_mala, world.physician_spain
    nurse.language, physician.language = "sv", "es"
    nurse.save(update_fields=["language"])
    physician.save(update_fields=["language"])
    profile = physician.staff_profile
    profile.title = StaffProfile.Title.GENERAL_PRACTICE
    profile.save(update_fields=["title"])
    consult = send(world, observation=record_vitals(world))
    services.accept_consult(actor=physician, consult=consult)
    order = orders.place_order(
        actor=physician,
        resident=world.resident_mala,
        kind="vitals",
        instructions=INSTRUCTIONS,
        every_hours=4,
        for_days=1,
        consult=consult,
    )
    task = order.tasks.order_by("due_at").first()
    measured = record_vitals(world, temperature=Decimal("37.0"), respiratory_rate=18)
    orders.complete_task(actor=nurse, task=task, result="", observation=measured)
    return consult


def _page(client, url, **extra) -> str:
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.content.decode()


SWEDISH = [
    "Skickad till Carmen Doctor (Fast läkarkontakt",
    "Mottagen av Carmen Doctor.",
    f"Ordination: Mät vitalparametrar: {INSTRUCTIONS} (antal uppgifter: 6)",
    f"Utförd: Mät vitalparametrar: {INSTRUCTIONS} — NEWS2",
    "Temp 37,0 °C",
]
SPANISH = [
    "Enviada a Carmen Doctor (Médico/a de referencia",
    "Aceptada por Carmen Doctor.",
    f"Orden médica: Tomar constantes vitales: {INSTRUCTIONS} (tareas: 6)",
    f"Realizada: Tomar constantes vitales: {INSTRUCTIONS} — NEWS2",
    "Temp. 37,0 °C",
]
ENGLISH = [
    "Sent to Carmen Doctor (Named physician",
    "Accepted by Carmen Doctor.",
    f"Order: Measure vital signs: {INSTRUCTIONS} (tasks: 6)",
    f"Done: Measure vital signs: {INSTRUCTIONS} — NEWS2",
    "Temp 37.0 °C",
]
SWEDISH_ONLY = ["Skickad till", "Mottagen av", "Mät vitalparametrar", "Utförd:", "Ordination:"]


def _reads_in(html: str, expected: list[str], foreign: list[str] = ()) -> None:
    for text in expected:
        assert text in html, text
    for text in foreign:
        assert text not in html, text


def test_the_thread_reads_in_each_readers_language_on_the_page_and_in_the_live_fragment(
    world, login, story
):
    detail = reverse("consults:detail", args=[story.pk])
    fragment = reverse("consults:thread", args=[story.pk])

    physician = login(world.physician_spain)
    _reads_in(_page(physician, detail), SPANISH, SWEDISH_ONLY)
    _reads_in(_page(physician, fragment, **HX), SPANISH, SWEDISH_ONLY)

    nurse = login(world.nurse_mala)
    _reads_in(_page(nurse, detail), SWEDISH)
    _reads_in(_page(nurse, fragment, **HX), SWEDISH)

    world.physician_spain.language = "en"
    world.physician_spain.save(update_fields=["language"])
    physician = login(world.physician_spain)
    _reads_in(_page(physician, fragment, **HX), ENGLISH, SWEDISH_ONLY)


def test_task_titles_and_results_read_in_each_readers_language(world, login, story):
    nurse = login(world.nurse_mala)
    rows = _page(nurse, reverse("orders:task_rows"), **HX)
    assert f"Mät vitalparametrar: {INSTRUCTIONS}" in rows
    worklist = _page(nurse, reverse("worklist:rows", args=[world.resident_mala.unit_id]), **HX)
    assert f"Mät vitalparametrar: {INSTRUCTIONS}" in worklist

    physician = login(world.physician_spain)
    page = _page(physician, reverse("orders:tasks"))
    assert f"Tomar constantes vitales: {INSTRUCTIONS}" in page
    assert "Mät vitalparametrar" not in page
    # The task done in the last 24 hours, with the vital signs in Spanish formats.
    assert "Temp. 37,0 °C" in page and "FR 18/min" in page


def test_a_measured_temperature_reads_with_the_locales_decimal_separator(world, login):
    """A nurse using English completes a task with 37.0 °C: a Swedish reader sees 37,0."""
    world.nurse_mala.language = "en"
    world.nurse_mala.save(update_fields=["language"])
    consult = send(world, observation=record_vitals(world))
    order = orders.place_order(
        actor=world.physician_spain,
        resident=world.resident_mala,
        kind="vitals",
        instructions="Temp.",
        consult=consult,
    )
    measured = record_vitals(world, temperature=Decimal("37.0"))
    with translation.override("en"):
        orders.complete_task(
            actor=world.nurse_mala, task=order.tasks.get(), result="", observation=measured
        )
    task = NurseTask.objects.select_related("observation").get(order=order)
    with translation.override("sv"):
        assert "Temp 37,0 °C" in task.result_text
    with translation.override("en"):
        assert "Temp 37.0 °C" in task.result_text
    world.physician_spain.language = "sv"
    world.physician_spain.save(update_fields=["language"])
    page = _page(login(world.physician_spain), reverse("consults:detail", args=[consult.pk]))
    assert "Temp 37,0 °C" in page and "Temp 37.0" not in page


def test_notifications_read_in_the_readers_current_language(world, login, story):
    nurse = login(world.nurse_mala)
    page = _page(nurse, reverse("notifications:list"), **HX)
    assert "Ny uppgift på Avd 1 Björken" in page

    physician = login(world.physician_spain)
    page = _page(physician, reverse("notifications:list"), **HX)
    assert "Nueva interconsulta (Urgente" in page
    assert "Se ha realizado una tarea en Avd 1 Björken" in page
    assert "Ny konsultation" not in page

    # Stored as code + parameters: the nurse who switches to Spanish reads them in Spanish.
    world.nurse_mala.language = "es"
    world.nurse_mala.save(update_fields=["language"])
    page = _page(login(world.nurse_mala), reverse("notifications:list"), **HX)
    assert "Nueva tarea en Avd 1 Björken" in page and "Ny uppgift" not in page
    assert not Notification.objects.filter(code="").exists()


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("sv", "Specialist i allmänmedicin"),
        ("en", "Specialist in general practice"),
        ("es", "Especialista en medicina familiar y comunitaria"),
    ],
)
def test_the_professional_title_reads_in_the_readers_language(world, login, language, title):
    profile = world.physician_spain.staff_profile
    profile.title = StaffProfile.Title.GENERAL_PRACTICE
    profile.save(update_fields=["title"])
    world.nurse_mala.language = language
    world.nurse_mala.save(update_fields=["language"])
    page = _page(login(world.nurse_mala), reverse("consults:new", args=[world.resident_mala.pk]))
    assert f"Carmen Doctor</strong>, {title}" in page


def test_a_title_outside_the_list_is_shown_as_written(world):
    profile = world.physician_spain.staff_profile
    profile.title, profile.title_other = "", "Överläkare"
    assert profile.title_display == "Överläkare"


# --- The registries ------------------------------------------------------------------------

REGISTRIES = {"consults.events.EVENTS": events.EVENTS, "notifications.MESSAGES": MESSAGES}
SAMPLE = {
    "name": "Carmen Doctor",
    "from": "Carmen Doctor",
    "to": "Erik Läkare",
    "unit": "Avd 1 Björken",
    "reason": "Feberfri.",
    "route": "named",
    "kind": "vitals",
    "instructions": "Var 4:e timme.",
    "count": 6,
    "note": "",
    "vitals": {"temperature": "37.0"},
    "urgency": "same_day",
    "username": "anna",
    "failures": 5,
    "address": "192.0.2.1",
    "minutes": 15,
    "municipality_code": "0180",
}


def _in_catalogue(language: str, msgid: str) -> bool:
    return msgid in trans_real.translation(language)._catalog


@pytest.mark.parametrize(
    ("registry", "code"),
    [(name, code) for name, registry in REGISTRIES.items() for code in registry],
)
def test_every_code_renders_in_swedish_english_and_spanish(registry, code):
    renderer = REGISTRIES[registry][code]
    if isinstance(renderer, Phrase):
        for language in ("sv", "en", "es"):
            assert _in_catalogue(language, renderer.message), (language, renderer.message)
    rendered = {}
    for language in ("sv", "en", "es"):
        with translation.override(language):
            rendered[language] = renderer(SAMPLE)
        assert "%(" not in rendered[language]
    assert len(set(rendered.values())) == 3, rendered


def test_every_professional_title_is_translated():
    for value, _label in StaffProfile.Title.choices:
        labels = set()
        for language in ("sv", "en", "es"):
            with translation.override(language):
                labels.add(str(StaffProfile.Title(value).label))
        assert len(labels) == 3, value


SOURCE = Path(__file__).resolve().parents[2]


def test_every_code_the_services_store_has_a_renderer():
    """Each event and notification code written in the code base is in its registry."""
    used_events, used_messages = set(), set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        used_events |= set(re.findall(r"\bevent\(\s*[\w.]+,\s*\"(\w+)\"", text))
        used_events |= set(re.findall(r"_event\(\s*consult,\s*\"(\w+)\"", text))
        for call in _calls(text, "notify("):
            found = re.search(r"\bcode=([^\n]+)", call)
            # A notification stores a code + parameters, never a rendered text.
            assert found, f"{path}: {call[:80]}"
            used_messages |= set(re.findall(r"\"(\w+)\"", found.group(1)))
        used_messages |= set(re.findall(r"_notification\([^)]*?\"(\w+)\",\s*\{", text, re.S))
    assert {"sent", "task_done", "order_placed"} <= used_events
    assert {"consult_new", "task_new", "panel_named", "panel_deputy"} <= used_messages
    assert used_events <= set(events.EVENTS), used_events - set(events.EVENTS)
    assert used_messages <= set(MESSAGES), used_messages - set(MESSAGES)


def _calls(text: str, opening: str):
    """The text of every call that starts with OPENING (to its matching parenthesis)."""
    start = text.find(opening)
    while start != -1:
        if text[max(start - 4, 0) : start] == "def ":
            start = text.find(opening, start + 1)
            continue
        depth, end = 0, start
        for end in range(start + len(opening) - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        yield text[start : end + 1]
        start = text.find(opening, end)


def test_an_unknown_event_code_is_refused(world):
    consult = send(world, observation=record_vitals(world))
    with pytest.raises(ValueError):
        services.event(consult.pk, "no_such_event")


def test_what_people_type_stays_as_typed(world, login):
    consult = send(world, observation=record_vitals(world))
    services.close_consult(actor=world.nurse_mala, consult=consult, reason="Löst på plats.")
    closed = consult.messages.get(code="closed")
    for language, framing in (("sv", "Avslutad"), ("en", "Closed"), ("es", "Cerrada")):
        with translation.override(language):
            assert closed.text.startswith(framing) and closed.text.endswith("Löst på plats.")

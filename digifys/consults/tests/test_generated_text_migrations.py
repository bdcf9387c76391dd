"""The data migrations read stored Swedish texts back into codes + parameters (issue 12 §4.5)."""

import importlib
from types import SimpleNamespace

from django.utils import translation

from digifys.consults.events import EVENTS
from digifys.core.codes import parse_any
from digifys.notifications.models import MESSAGES

threads = importlib.import_module("digifys.consults.migrations.0005_thread_events_as_codes")
tasks = importlib.import_module("digifys.orders.migrations.0003_task_title_and_result_from_codes")
titles = importlib.import_module("digifys.directory.migrations.0004_professional_title_codes")


def test_legacy_thread_events_become_codes_that_render_as_before_in_swedish():
    legacy = [
        "Skickad till Carmen Doctor (Fast läkarkontakt).",
        "Mottagen av Carmen Doctor.",
        "Överlämnad från Carmen Doctor till Erik Läkare: Jag är på hembesök.",
        "Svarstiden passerades. Eskalerad från Carmen Doctor till Erik Läkare.",
        "Ordination: Mät vitalparametrar: Var 4:e timme i 1 dygn (antal uppgifter: 6)",
        "Uppgift försenad: Ta prov: CRP",
        "Ordination avbruten: Feberfri.",
        "Avslutad: Löst.",
        threads.NOBODY,
    ]
    for text in legacy:
        code, params = threads.parse(text)
        with translation.override("sv"):
            assert EVENTS[code](params) == text
    code, params = threads.parse("Utförd: Ta prov: CRP — CRP 85.")
    assert code == "task_done" and params == {
        "kind": "sample",
        "instructions": "CRP",
        "note": "CRP 85.",
    }
    with translation.override("es"):
        assert EVENTS[code](params) == "Realizada: Tomar una muestra: CRP — CRP 85."
    assert threads.parse("Något annat hände.") is None


def test_legacy_notifications_are_read_in_any_of_the_three_languages():
    assert parse_any(MESSAGES, "Ny uppgift på Avd 1 Björken") == (
        "task_new",
        {"unit": "Avd 1 Björken"},
    )
    assert parse_any(MESSAGES, "Nueva interconsulta (En el día) de Avd 1 Björken") == (
        "consult_new",
        {"urgency": "same_day", "unit": "Avd 1 Björken"},
    )
    assert parse_any(MESSAGES, "Something else") is None


def test_a_legacy_measured_result_leaves_only_what_the_nurse_typed():
    observation = SimpleNamespace(
        news2_total=3,
        respiratory_rate=18,
        spo2=95,
        systolic_bp=128,
        pulse=90,
        temperature="37.0",
        consciousness="A",
    )
    comma, point = tasks.legacy_summaries(observation)
    assert (
        comma == "NEWS2 3, AF 18 /min, SpO2 95 %, BT 128 mmHg, Puls 90 /min, Temp 37,0 °C, ACVPU A"
    )
    assert point.endswith("Temp 37.0 °C, ACVPU A")


def test_known_titles_map_to_codes():
    assert titles.SWEDISH["Specialist i allmänmedicin"] == "general_practice"
    from digifys.directory.models import StaffProfile

    assert set(titles.SWEDISH.values()) == set(StaffProfile.Title.values)

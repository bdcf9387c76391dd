"""Dates and numbers in the locale's own forms (issue 12 §4 item 6): Swedish and Spanish write
month abbreviations in lower case ("fre 4 dec", "vie 4 dic"), English capitalises them ("Fri 4
Dec"); numbers take the locale's decimal separator; counts agree in number."""

import datetime
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

ROOT = Path(__file__).resolve().parents[2]
FRIDAY = datetime.datetime(2026, 12, 4, 14, 5, tzinfo=timezone.get_default_timezone())


@pytest.mark.parametrize(
    ("lang", "fmt", "expected"),
    [
        ("sv", "WEEKDAY_TIME_FORMAT", "fre 4 dec 14:05"),
        ("es", "WEEKDAY_TIME_FORMAT", "vie 4 dic 14:05"),
        ("en", "WEEKDAY_TIME_FORMAT", "Fri 4 Dec 14:05"),
        ("sv", "DAY_MONTH_YEAR_FORMAT", "4 dec 2026"),
        ("es", "DAY_MONTH_YEAR_FORMAT", "4 dic 2026"),
        ("en", "DAY_MONTH_YEAR_FORMAT", "4 Dec 2026"),
        ("sv", "DAY_MONTH_FORMAT", "4 dec"),
        ("sv", "WEEKDAY_YEAR_TIME_FORMAT", "fre 4 dec 2026 14:05"),
        ("sv", "DAY_MONTH_TIME_FORMAT", "4 dec 14:05"),
        ("es", "DAY_MONTH_TIME_FORMAT", "4 dic 14:05"),
    ],
)
def test_named_date_formats_follow_the_locale(lang, fmt, expected):
    with translation.override(lang):
        assert Template(f'{{{{ d|date:"{fmt}" }}}}').render(Context({"d": FRIDAY})) == expected


def test_no_template_or_code_formats_a_date_with_a_capitalised_month_abbreviation():
    # Django's "M" capitalises ("Dec") in every language; the named formats choose per locale.
    offenders = []
    for path in ROOT.rglob("*"):
        if path.suffix not in {".html", ".py"} or "tests" in path.parts or "formats" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"""(?:date:|date_format\([^,]+,\s*)["']([^"']+)["']""", text):
            if re.search(r"(?<!\\)M", m.group(1)) and not m.group(1).isupper():
                offenders.append(f"{path.relative_to(ROOT)}: {m.group(1)}")
    assert offenders == []


@pytest.mark.parametrize(("lang", "expected"), [("sv", "4 dec 14:05"), ("es", "4 dic 14:05")])
def test_worklist_clock_for_another_day(lang, expected):
    from digifys.worklist.templatetags.worklist import clock

    with translation.override(lang):
        assert clock(FRIDAY, now=FRIDAY + datetime.timedelta(days=2)) == expected


@pytest.mark.parametrize(
    ("lang", "expected"), [("sv", "37,0 °C"), ("es", "37,0 °C"), ("en", "37.0 °C")]
)
def test_task_result_temperature_uses_the_locale_decimal_separator(lang, expected):
    from digifys.orders.services import observation_summary

    obs = SimpleNamespace(
        news2_total=None,
        respiratory_rate=None,
        spo2=None,
        systolic_bp=None,
        pulse=None,
        temperature=Decimal("37.0"),
        consciousness="",
    )
    with translation.override(lang):
        assert observation_summary(obs).endswith(expected)


def _round(done):
    unit = SimpleNamespace(name="Avd 1", parent=SimpleNamespace(name="Björken"))
    return SimpleNamespace(
        pk=1,
        starts_at=FRIDAY,
        ends_at=FRIDAY,
        unit=unit,
        physician=None,
        agenda_count=5,
        done_count=done,
        status="planned",
        get_status_display="",
    )


@pytest.mark.parametrize(
    ("lang", "one", "many", "when"),
    [
        ("sv", "(1 klar)", "(2 klara)", "fre 4 dec 14:05"),
        ("en", "(1 done)", "(2 done)", "Fri 4 Dec 14:05"),
        ("es", "(1 atendido)", "(2 atendidos)", "vie 4 dic 14:05"),
    ],
)
def test_round_list_agrees_in_number_and_writes_dates_locally(lang, one, many, when):
    from django.template.loader import get_template

    table = get_template("rounds/_round_table.html")
    with translation.override(lang):
        assert one in table.render({"rounds": [_round(1)]})
        html = table.render({"rounds": [_round(2)]})
        assert many in html
        assert when in html


@pytest.mark.parametrize(("lang", "word"), [("sv", "optimeraren"), ("es", "el optimizador")])
def test_planner_method_is_named_in_the_reader_language(lang, word):
    from digifys.scheduling.models import Plan

    with translation.override(lang):
        assert str(Plan(method="optimiser").method_label) == word

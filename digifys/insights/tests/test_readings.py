"""The plain-language reading under each chart, from hand-made values, in three languages."""

import pytest
from django.utils import translation

from digifys.insights.figures import Value
from digifys.insights.readings import reading, show
from digifys.insights.targets import TARGETS, met

PLACE = "Malåhemmet"


def read(before, after, *, unit="index", code="", has_go_live=True, counted="residents"):
    return reading(
        figure="Continuity (UPC)",
        place=PLACE,
        unit=unit,
        before=before,
        after=after,
        has_go_live=has_go_live,
        code=code,
        counted=counted,
    )


def test_it_says_the_figure_rose_with_both_numbers():
    with translation.override("en"):
        text = read(Value(0.31, residents=6), Value(0.74, residents=6))
    assert text == "Continuity (UPC) for Malåhemmet rose from 0.31 before go-live to 0.74 after."


def test_it_says_the_figure_fell_in_swedish_number_format():
    with translation.override("sv"):
        text = read(Value(0.74, residents=6), Value(0.31, residents=6))
    assert "0,74" in text and "0,31" in text and "sjönk" in text


def test_values_that_look_the_same_stayed_the_same():
    with translation.override("en"):
        text = read(Value(0.741, residents=6), Value(0.739, residents=6))
    assert text == "Continuity (UPC) for Malåhemmet stayed the same before and after go-live: 0.74."


def test_a_suppressed_side_cannot_be_compared():
    with translation.override("en"):
        text = read(Value(None, residents=3, suppressed=True), Value(0.74, residents=6))
        answers = read(Value(4.0), Value(None, suppressed=True), counted="answers")
    assert "cannot be compared" in text and "fewer than 5 residents" in text
    assert "0.74" not in text
    assert "fewer than 5 answers" in answers


def test_a_missing_side_or_no_go_live_says_so():
    with translation.override("en"):
        missing = read(Value(None), Value(0.74, residents=6))
        no_go_live = read(Value(0.31), Value(0.74), has_go_live=False)
    assert "no figures from both sides" in missing
    assert "no unit here has a go-live date" in no_go_live and "0.31" not in no_go_live


def test_the_reading_names_the_pilot_target_and_whether_it_was_met():
    assert TARGETS["named_share"].value == 0.8
    with translation.override("en"):
        text = read(Value(0.5), Value(0.85), unit="share", code="named_share")
        lower = read(Value(0.3), Value(0.2), unit="share", code="locum_share")
    assert "rose from 50.0 % before go-live to 85.0 % after" in text
    assert text.endswith("met the region's pilot target of 80.0 %.")
    assert "did not meet the region's pilot target of 10.0 %" in lower
    assert met("locum_share", 0.05) is True and met("contacts", 3) is None


@pytest.mark.parametrize("language", ["sv", "es"])
def test_every_case_is_translated(language):
    cases = [
        (Value(0.31), Value(0.74), {}),
        (Value(0.74), Value(0.31), {}),
        (Value(0.74), Value(0.74), {}),
        (Value(None, suppressed=True), Value(0.74), {}),
        (Value(None, suppressed=True), Value(0.74), {"counted": "answers"}),
        (Value(None), Value(0.74), {}),
        (Value(0.31), Value(0.74), {"has_go_live": False}),
        (Value(0.3), Value(0.9), {"unit": "share", "code": "named_share"}),
        (Value(0.3), Value(0.2), {"unit": "share", "code": "locum_share"}),
    ]
    for before, after, extra in cases:
        with translation.override("en"):
            english = read(before, after, **extra)
        with translation.override(language):
            translated = read(before, after, **extra)
        assert translated != english, (language, english)
    with translation.override(language):
        assert show(Value(None, suppressed=True), "share") != "fewer than 5 residents"

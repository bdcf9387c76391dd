"""The demo's capacity forecast shows a shortfall (issue 15: "a forecast with a shortfall")."""

import pytest
import time_machine

from digifys.synth.region import generate_region
from digifys.workforce import capacity

from .test_loop import NOW

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_region_forecasts_a_physician_shortfall():
    generate_region(seed=1, scale=450, now=NOW)
    with time_machine.travel(NOW, tick=False):
        physicians = capacity.forecast(today=NOW.date(), profession=capacity.PHYSICIAN)
    assert physicians.has_history
    assert physicians.has_shortfall, [
        (m.month, m.need_hours, m.available_hours, m.by_language) for m in physicians.months
    ]

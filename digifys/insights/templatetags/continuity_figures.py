"""Filters for showing continuity figures: an index to two decimals, a share as a percentage."""

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()

MISSING = "–"


@register.filter
def index(value) -> str:
    """Show an index in [0, 1] with two decimals (localised); "–" when undefined."""
    if value is None:
        return MISSING
    return floatformat(value, 2)


@register.filter
def percent(value) -> str:
    """Show a share in [0, 1] as a whole percentage; "–" when undefined."""
    if value is None:
        return MISSING
    return f"{round(value * 100)} %"

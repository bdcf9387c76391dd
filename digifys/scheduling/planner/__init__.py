"""The continuity planner's engine (pure Python + OR-Tools, no Django); see `engine`."""

from .engine import (
    TIERS,
    Assignment,
    Clinician,
    Item,
    Plan,
    Window,
    contact_share,
    contact_upper_bound,
    first_available,
    greedy,
    named_upper_bound,
    optimise,
    replan,
    rounds_lost_avoidably,
)

__all__ = [
    "TIERS",
    "Assignment",
    "Clinician",
    "Item",
    "Plan",
    "Window",
    "contact_share",
    "contact_upper_bound",
    "first_available",
    "greedy",
    "named_upper_bound",
    "optimise",
    "replan",
    "rounds_lost_avoidably",
]

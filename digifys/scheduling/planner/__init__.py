"""The continuity planner's engine (pure Python + OR-Tools, no Django); see `engine`."""

from .engine import (
    TIERS,
    Assignment,
    Clinician,
    Item,
    Plan,
    Window,
    first_available,
    greedy,
    named_upper_bound,
    optimise,
    replan,
)

__all__ = [
    "TIERS",
    "Assignment",
    "Clinician",
    "Item",
    "Plan",
    "Window",
    "first_available",
    "greedy",
    "named_upper_bound",
    "optimise",
    "replan",
]

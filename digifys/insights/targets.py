"""The targets drawn on the figures' charts (issue #16 §2), in one place.

Each target is the **region's pilot target**: a number the region chose for evaluating the
digi-physical pilot, kept here as a setting of the pilot. None of them is a law, a national
guideline or a clinical rule, except where the source says so; change a number here and every
chart, reading and export follows. A figure without an entry has no target and no target line.

- `named_share` ≥ 80 %: the pilot's promise that residents meet *their* named physician; four of
  five contacts is the region's pilot target.
- `locum_share`, `locum_hours_share` ≤ 10 %: the seed's problem in one number (locums instead of
  a named physician); the region's pilot target for the share left to locums.
- `upc` ≥ 0.75: usual-provider continuity; the region's pilot target (UPC itself has no agreed
  threshold in the literature).
- `consult_within:urgent` ≥ 90 %: the share of urgent consults answered within the deadline the
  region set (settings `CONSULT_DEADLINES`); 90 % is the region's pilot target.
- `messages_within` ≥ 90 %: relatives' messages answered within the region's working-day
  deadline (settings `RELATIVE_MESSAGE_ANSWER_WORKING_DAYS`); the region's pilot target.
- `news2_reviewed:5` ≥ 90 %: NEWS2 of 5 or more seen by a physician within 24 hours; the
  region's pilot target (RCP NEWS2 asks for an urgent response, it sets no share).
- `reviews_on_time` = 100 %: HSLF-FS 2017:37 asks for a medication review when a resident moves
  in and at least once a year, for every resident, so the target is all of them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    value: float  # in the figure's own unit (a share as 0–1)
    better: str  # "higher" or "lower": which side of the target is met


TARGETS: dict[str, Target] = {
    "named_share": Target(0.80, "higher"),
    "locum_share": Target(0.10, "lower"),
    "locum_hours_share": Target(0.10, "lower"),
    "upc": Target(0.75, "higher"),
    "consult_within:urgent": Target(0.90, "higher"),
    "messages_within": Target(0.90, "higher"),
    "news2_reviewed:5": Target(0.90, "higher"),
    "reviews_on_time": Target(1.00, "higher"),
}


def met(code: str, value: float | None) -> bool | None:
    """Whether VALUE meets CODE's target; None without a target or a value."""
    target = TARGETS.get(code)
    if target is None or value is None:
        return None
    return value >= target.value if target.better == "higher" else value <= target.value

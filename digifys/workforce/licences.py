"""Is a clinician's licence valid on a day? The one place the workforce app asks.

The clinician register (issue 15 §1, app `digifys.clinicians`) owns licences and their checks
against the professional-licence register; its rule is
`digifys.clinicians.rules.licence_valid(staff, on=None)`. When that app is installed this module
answers with it. Without it (this branch alone) there is no licence data to judge by, so every
clinician counts as licensed: nothing here invents licence states.
"""

import datetime


def licence_valid(staff, on: datetime.date | None = None) -> bool:
    try:
        from digifys.clinicians.rules import licence_valid as register_rule
    except ImportError:
        return True
    return bool(register_rule(staff, on=on))

"""Is a clinician's licence valid on a day? The one place the workforce app asks.

The clinician register (issue 15 §1, app `digifys.clinicians`) owns licences and their checks
against the professional-licence register; its rule is
`digifys.clinicians.rules.licence_valid(staff, on=None)`. When that app is installed (in
INSTALLED_APPS) this module answers with it. Without it (this branch alone) there is no licence
data to judge by, so every clinician counts as licensed: nothing here invents licence states.
"""

import datetime

from django.apps import apps


def licence_valid(staff, on: datetime.date | None = None) -> bool:
    # Asked of the app registry, not of the import system: a module that can be imported but
    # whose app is not installed has no tables to read.
    if not apps.is_installed("digifys.clinicians"):
        return True
    from digifys.clinicians.rules import licence_valid as register_rule

    return bool(register_rule(staff, on=on))

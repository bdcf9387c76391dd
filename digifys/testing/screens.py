"""Screenshots from browser tests, for a person to look at (docs/testing.md).

They go to test-results/screens/<area>/ (git-ignored); `DIGIFYS_SCREENSHOTS=0` turns them off,
as CI does: nobody looks at a CI machine's files.
"""

import os
from pathlib import Path

from django.conf import settings


def screenshot(page, area: str, name: str, *, full_page: bool = True, timeout=None) -> None:
    """Save PAGE as test-results/screens/AREA/NAME.png unless screenshots are turned off."""
    if os.environ.get("DIGIFYS_SCREENSHOTS", "1") == "0":
        return
    folder = Path(settings.BASE_DIR) / "test-results" / "screens" / area
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page, timeout=timeout)

"""Write the README's screenshots of the resident hub at 390, 768 and 1366 px.

    PYTHONPATH=$PWD .venv/bin/python docs/screens/make_screens.py

It runs the hub's Chromium test (digifys/residents/tests/test_hub_browser.py), which builds a
resident with a week of history (a chest infection caught, treated and improving), opens her page
as the unit's nurse at each width, checks the layout and accessibility, and writes full-page
screenshots here; then it reduces each PNG to a 256-colour palette so it stays small.
"""

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TEST = (
    "digifys/residents/tests/test_hub_browser.py"
    "::test_the_hub_fits_each_width_draws_the_chart_and_passes_axe[nurse_mala]"
)


def main() -> int:
    env = {**os.environ, "DIGIFYS_SCREENS_DIR": str(HERE), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", TEST]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode:
        return result.returncode
    for width in (390, 768, 1366):
        path = HERE / f"resident-hub-{width}.png"
        with Image.open(path) as image:
            small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

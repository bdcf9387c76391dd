"""Settings of `bench/pages.py`'s floor targets: the production settings with `floor_urls`.

Not part of the product: only `bench/pages.py --targets …,floor_audit` serves it."""

from digifys.settings import *  # noqa: F403

ROOT_URLCONF = "bench.floor_urls"

"""Test support: the persona world, the access-matrix builders and logging personas in.

Used by the test suite and the benchmarks, never by the product: no domain app imports it, so
test helpers that build on every app make no import cycle with `core` or `accounts`.
"""

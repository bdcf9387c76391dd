"""Access-matrix rows for video visits (collected by core/tests/test_access_matrix.py)."""

ROWS: dict = {}

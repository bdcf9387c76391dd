"""Access-matrix rows for continuity figures (collected by core/tests/test_access_matrix.py)."""

ROWS: dict = {}

"""Access-matrix rows for ward rounds (collected by core/tests/test_access_matrix.py)."""

ROWS: dict = {}

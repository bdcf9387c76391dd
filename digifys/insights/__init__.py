"""Insights: continuity-of-care indices and, later, the views that show them."""

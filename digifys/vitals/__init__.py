"""Vital signs and early-warning scores."""

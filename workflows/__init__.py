"""Temporal workflows. Deterministic code only: they import domain/ and activity stubs."""

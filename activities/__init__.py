"""Temporal activities: all I/O of the workflows happens here."""

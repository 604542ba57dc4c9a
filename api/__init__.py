"""The REST API (FastAPI): thin endpoints over the store and Temporal."""

from tests.helpers.api_client import app  # noqa: F401 - the session's app hosts the store

from tests.helpers.api_client import app, client, client_address, signed_in  # noqa: F401

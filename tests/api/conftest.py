from tests.helpers.api_client import (  # noqa: F401 - fixtures and names the API tests share
    PASSWORD,
    SignedIn,
    User,
    app,
    client,
    client_address,
    sign_in,
    signed_in,
)

"""`python -m devstack.test_server`: installs Temporal's time-skipping test server for the
fast tests when it is missing (devstack.install.ensure_temporal_test_server), silent once
it is there.

`make test-fast` runs it before pytest: the first install is a Maven resolve of about a
minute, and pytest's output capture would hide its progress lines."""

from __future__ import annotations

import sys

from core.settings import get_settings
from devstack.errors import StackError
from devstack.install import ensure_temporal_test_server

if __name__ == "__main__":
    try:
        ensure_temporal_test_server(get_settings())
    except StackError as error:
        sys.exit(error.render())

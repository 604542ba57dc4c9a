"""Options every workflow this platform starts is started with."""

from __future__ import annotations

from datetime import timedelta

# A workflow task held by a worker that died is handed to another worker after this
# long (Temporal's default is 10 s): a lifecycle whose worker is killed moves on within
# the recovery target of 5 s. A first workflow task here takes milliseconds.
WORKFLOW_TASK_TIMEOUT = timedelta(seconds=3)

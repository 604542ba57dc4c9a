#!/usr/bin/env bash
# Makes sure the Python side exists: uv (from PyPI, cached) and the project's virtualenv
# synced to uv.lock. Fast when nothing changed; everything else is devstack's job.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${SRA_CACHE_DIR:-$HOME/.cache/service-aggregator}"
uv_version="0.13.9"
uv_home="$cache/tools/uv-$uv_version"
uv="$uv_home/bin/uv"
python="$(command -v python3.11 || command -v python3)"

if [ ! -x "$uv" ]; then
  echo "→ installing uv $uv_version from PyPI (first time only)"
  "$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$uv_home" "uv==$uv_version"
fi

export UV_CACHE_DIR="$cache/uv" UV_PYTHON_DOWNLOADS=never
if [ ! -x .venv/bin/python ] || [ uv.lock -nt .venv/.synced ] || [ pyproject.toml -nt .venv/.synced ]; then
  echo "→ syncing Python dependencies from uv.lock"
  "$uv" sync --frozen --python "$python"
  touch .venv/.synced
fi

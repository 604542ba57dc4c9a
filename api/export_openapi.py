"""Write the API's OpenAPI document to a file: `python -m api.export_openapi web/openapi.json`.

The web app's typed client is generated from it. The document does not depend on secrets
or services, so the export runs with throwaway local settings.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m api.export_openapi OUT.json", file=sys.stderr)
        return 2
    os.environ.setdefault("SRA_ENVIRONMENT", "local")
    from api.main import create_app

    document = create_app().openapi()
    Path(argv[0]).write_text(
        json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""`python -m bench <create|lifecycle|chaos|web|analytics> [options]`: the platform's
benchmarks against the running local stack (`python -m devstack up --detach`). Each prints
a table and writes its figures to bench/results/<name>-<timestamp>.json.

bench/relay.py (outbox → Kafka) runs on its own: `python -m bench.relay`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from types import ModuleType
from typing import Any

from bench import analytics, chaos, create, lifecycle, web

COMMANDS: dict[str, ModuleType] = {
    "create": create,
    "lifecycle": lifecycle,
    "chaos": chaos,
    "web": web,
    "analytics": analytics,
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=(module.__doc__ or "").strip().splitlines()[0],
            description=module.__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    # The clients' own retry chatter (Kafka reconnecting during a fault) is not the report.
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    command: Callable[[argparse.Namespace], Coroutine[Any, Any, int]] = COMMANDS[args.command].run
    return asyncio.run(command(args))


if __name__ == "__main__":
    sys.exit(main())

"""Builds the web app (web/ → web/dist) when its sources changed: `python -m devstack.web_build`.

`npm ci` runs only when package-lock.json changed (npm keeps its download cache in
~/.npm), and `vite build` only when a source, the lock file or a config changed; each
step leaves a stamp with the hash it was made from.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from core.settings import REPO_ROOT, Settings, get_settings
from devstack.errors import StackError
from devstack.progress import run_logged, say

WEB = REPO_ROOT / "web"
LOCK = WEB / "package-lock.json"
INSTALL_STAMP = WEB / "node_modules" / ".installed-from"
BUILD_STAMP = WEB / "dist" / ".built-from"
BUILD_INPUTS = (
    "src",
    "public",
    "index.html",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
)


def digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            h.update(str(file.relative_to(WEB)).encode())
            h.update(file.read_bytes())
    return h.hexdigest()


def _stamped(stamp: Path, value: str) -> bool:
    return stamp.is_file() and stamp.read_text() == value


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise StackError(
            "web",
            "Node.js and npm are needed to build the web app",
            "sudo apt-get install -y nodejs npm",
        )
    return npm


def ensure_packages(settings: Settings) -> None:
    lock = digest([LOCK])
    if _stamped(INSTALL_STAMP, lock):
        return
    run_logged(
        [_npm(), "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        part="web",
        label="installing the web app's packages (npm ci, from the lock file)",
        log_file=settings.cache_dir / "logs" / "npm-ci.log",
        fix="check the log; npm needs the npm registry to be reachable",
        cwd=WEB,
    )
    INSTALL_STAMP.write_text(lock)


def ensure_built(settings: Settings) -> Path:
    ensure_packages(settings)
    sources = digest([WEB / name for name in BUILD_INPUTS])
    if _stamped(BUILD_STAMP, sources):
        say("  ✓ web app built (unchanged since the last build)")
        return WEB / "dist"
    run_logged(
        [_npm(), "run", "build"],
        part="web",
        label="building the web app (tsc, vite build)",
        log_file=settings.cache_dir / "logs" / "web-build.log",
        fix="read the log: a type error in web/src stops the build",
        cwd=WEB,
    )
    BUILD_STAMP.write_text(sources)
    return WEB / "dist"


def main(argv: list[str]) -> int:
    """`--packages` installs the packages only (lint and the component tests need no build)."""
    try:
        if "--packages" in argv:
            ensure_packages(get_settings())
        else:
            ensure_built(get_settings())
    except StackError as error:
        say(error.render())
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

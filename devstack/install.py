"""Installs the stack's parts from the package registries this machine reaches.

- PostgreSQL 15 and Redis 7: Debian packages (and the DejaVu fonts the PDFs use).
- Apache Kafka: the broker's jars from Maven Central (deploy/local/kafka/pom.xml).
- Temporal: the Temporal CLI (server + Web UI) built with Go from the module proxy, and
  Temporal's Java time-skipping test server for the fast tests (Maven Central).

Everything downloaded or built lands in the cache directory, keyed by what pins it, so a
second run only checks that it is there.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from core.settings import REPO_ROOT, Settings
from devstack.errors import StackError
from devstack.progress import run_logged, say, step

# v1.5.x is the newest CLI whose `temporalcli` package is public and whose go.mod has
# no replace directives, so `go install` builds it straight from the module proxy.
TEMPORAL_CLI_PACKAGE = "github.com/temporalio/cli/cmd/temporal"
TEMPORAL_CLI_VERSION = "v1.5.1"
KAFKA_POM = REPO_ROOT / "deploy" / "local" / "kafka" / "pom.xml"
TEMPORAL_TEST_SERVER_POM = REPO_ROOT / "deploy" / "local" / "temporal-test-server" / "pom.xml"
PG_MAJOR = 15
PG_BIN = Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")
DEBIAN_PACKAGES = {
    "postgres": (f"postgresql-{PG_MAJOR}", PG_BIN / "postgres"),
    "redis": ("redis-server", Path("/usr/bin/redis-server")),
    # A TrueType font with Cyrillic for the PDF documents (paperwork/).
    "fonts": ("fonts-dejavu-core", Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")),
}
TEST_TOOL_PACKAGES = {
    "docker-compose": ("docker-compose", Path("/usr/bin/docker-compose")),
    # The browser of the web app's end-to-end tests (Playwright drives it; it cannot
    # download browsers of its own here).
    "chromium": ("chromium", Path("/usr/bin/chromium")),
}


@dataclass(frozen=True)
class Toolset:
    kafka_libs: Path
    temporal_bin: Path


def toolset(settings: Settings) -> Toolset:
    """Where the tools are (or will be), without installing anything."""
    return Toolset(kafka_libs=_kafka_home(settings) / "libs", temporal_bin=_temporal_bin(settings))


def ensure_all(settings: Settings, *, test_tools: bool = False) -> Toolset:
    packages = dict(DEBIAN_PACKAGES)
    if test_tools:
        packages |= TEST_TOOL_PACKAGES
    ensure_debian_packages(settings, packages)
    ensure_java()
    ensure_kafka(settings)
    ensure_temporal(settings)
    return toolset(settings)


def ensure_debian_packages(settings: Settings, packages: dict[str, tuple[str, Path]]) -> None:
    missing = {part: pkg for part, (pkg, exe) in packages.items() if not exe.exists()}
    if not missing:
        return
    names = sorted(set(missing.values()))
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise StackError(
            ", ".join(missing),
            f"Debian packages {' '.join(names)} are not installed",
            f"sudo apt-get install -y {' '.join(names)}",
        )
    _keep_debian_from_creating_default_cluster()
    log = settings.cache_dir / "logs" / "apt.log"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    fix = "check the log; `apt-get update` needs Debian's package mirror to be reachable"
    run_logged(
        ["apt-get", "update", "-q"],
        part="apt",
        label="apt-get update",
        log_file=log,
        fix=fix,
        env=env,
    )
    run_logged(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *names],
        part=", ".join(missing),
        label=f"installing {' '.join(names)}",
        log_file=log,
        fix=fix,
        env=env,
    )


def _keep_debian_from_creating_default_cluster() -> None:
    # Our cluster lives in the project's state directory; the package's default
    # cluster on port 5432 would only cost memory and confuse port checks.
    conf = Path("/etc/postgresql-common/createcluster.conf")
    if not conf.exists():
        conf.parent.mkdir(parents=True, exist_ok=True)
        conf.write_text("create_main_cluster = false\n")


def ensure_java(part: str = "kafka") -> None:
    java = shutil.which("java")
    if not java:
        raise StackError(
            part,
            f"Java is not installed ({part} needs Java 17+)",
            "sudo apt-get install -y openjdk-17-jre-headless",
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    match = re.search(r'version "(\d+)', out)
    if not match or int(match.group(1)) < 17:
        raise StackError(
            part,
            f"Java 17+ is required, found: {out.splitlines()[:1]}",
            "sudo apt-get install -y openjdk-17-jre-headless",
        )


def _maven_home(settings: Settings, pom_path: Path, name: str, version_tag: str) -> Path:
    # Keyed by the pom's content: changing a pinned version fetches a fresh classpath.
    pom = pom_path.read_bytes()
    version = re.search(rb"<" + version_tag.encode() + rb">([^<]+)<", pom)
    key = hashlib.sha256(pom).hexdigest()[:12]
    return settings.cache_dir / f"{name}-{version.group(1).decode() if version else 'x'}-{key}"


def _kafka_home(settings: Settings) -> Path:
    return _maven_home(settings, KAFKA_POM, "kafka", "kafka.version")


def _temporal_test_server_home(settings: Settings) -> Path:
    return _maven_home(
        settings, TEMPORAL_TEST_SERVER_POM, "temporal-test-server", "temporal.version"
    )


def _fetch_maven_classpath(
    settings: Settings, pom: Path, home: Path, *, part: str, label: str
) -> None:
    """The pom's runtime jars into home/libs, once: a run cut short leaves only a staging
    directory, which the next run starts again."""
    if (home / ".complete").exists():
        return
    if not shutil.which("mvn"):
        raise StackError(
            part, f"Maven (mvn) is needed once for {label}", "sudo apt-get install -y maven"
        )
    staging = home.with_name(home.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    run_logged(
        [
            "mvn",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging / 'libs'}",
        ],
        part=part,
        label=f"fetching {label} from Maven Central (first time only)",
        log_file=settings.cache_dir / "logs" / f"{part}-mvn.log",
        fix="check that Maven Central is reachable; rerun the command",
    )
    (staging / ".complete").touch()
    shutil.rmtree(home, ignore_errors=True)
    staging.rename(home)


def ensure_kafka(settings: Settings) -> None:
    _fetch_maven_classpath(
        settings, KAFKA_POM, _kafka_home(settings), part="kafka", label="the Apache Kafka jars"
    )


def ensure_temporal_test_server(settings: Settings) -> Path:
    """A launcher of Temporal's time-skipping test server (Java, from Maven Central), in
    the form `WorkflowEnvironment.start_time_skipping(test_server_existing_path=...)`
    runs: an executable that takes the port as its argument."""
    ensure_java("temporal-test-server")
    home = _temporal_test_server_home(settings)
    _fetch_maven_classpath(
        settings,
        TEMPORAL_TEST_SERVER_POM,
        home,
        part="temporal-test-server",
        label="Temporal's test server",
    )
    launcher = home / "temporal-test-server"
    if not launcher.exists():
        java = shutil.which("java") or "java"
        launcher.write_text(
            "#!/bin/sh\n"
            f'exec "{java}" -cp "{home / "libs"}/*" io.temporal.testserver.TestServer "$@"\n'
        )
        launcher.chmod(0o755)
    return launcher


def _temporal_bin(settings: Settings) -> Path:
    return settings.cache_dir / "bin" / f"temporal-{TEMPORAL_CLI_VERSION}"


def ensure_temporal(settings: Settings) -> None:
    binary = _temporal_bin(settings)
    if binary.exists():
        return
    go = shutil.which("go")
    if not go:
        raise StackError(
            "temporal",
            "Go is needed once to build the Temporal server",
            "install Go 1.25+ (https://go.dev/doc/install) and rerun",
        )
    staging = settings.cache_dir / "build" / "temporal"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    say("  the Temporal server is built from source once; about 4 minutes on 2 cores")
    run_logged(
        [go, "install", f"{TEMPORAL_CLI_PACKAGE}@{TEMPORAL_CLI_VERSION}"],
        part="temporal",
        label=f"building Temporal CLI {TEMPORAL_CLI_VERSION} with Go",
        log_file=settings.cache_dir / "logs" / "temporal-build.log",
        fix="check that the Go module proxy is reachable and `go version` is 1.25+",
        env=dict(os.environ, GOBIN=str(staging), CGO_ENABLED="0"),
    )
    binary.parent.mkdir(parents=True, exist_ok=True)
    (staging / "temporal").rename(binary)
    step(f"Temporal CLI ready: {binary}")

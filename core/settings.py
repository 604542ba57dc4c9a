"""The one place that reads configuration.

Every process (API, worker, bridges, the local-stack launcher, the tests) builds a
`Settings` from the environment (prefix `SRA_`, nested with `__`) and an optional `.env`
file at the repository root; nothing else reads environment variables.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, ClassVar, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.cascade import CascadePolicy
from domain.dispatch import Weights
from domain.executor_verification import VerificationPolicy
from domain.sla import SlaPolicy

REPO_ROOT = Path(__file__).resolve().parent.parent


class PostgresSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 55432
    user: str = "postgres"
    password: str = ""
    database: str = "aggregator"

    def url(self, database: str | None = None, *, driver: str = "postgresql+psycopg") -> str:
        auth = self.user if not self.password else f"{self.user}:{self.password}"
        return f"{driver}://{auth}@{self.host}:{self.port}/{database or self.database}"


class RedisSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 56379
    db: int = 0

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/{self.db}"


class KafkaSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 59092
    controller_port: int = 59093
    topic_partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    heap: str = "512m"
    # A comma-separated broker list for clusters (docker-compose); empty = host:port.
    brokers: str = ""

    @property
    def bootstrap_servers(self) -> str:
        return self.brokers or f"{self.host}:{self.port}"


class TemporalSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 57233
    ui_port: int = 58233
    http_port: int = 57243
    metrics_port: int = 57244
    namespace: str = "default"
    task_queue: str = "service-requests"
    # PRAGMA=VALUE statements for the local dev server's SQLite file (`make up` only;
    # compose runs Temporal on PostgreSQL). See docs/performance.md for what each is worth.
    sqlite_pragmas: list[str] = Field(default_factory=list)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.ui_port}"


WorkerKind = Literal["requests", "notifications", "verification", "paperwork"]
# Fixed order: a worker process's metrics port is derived from its kind's place in it.
WORKER_KINDS: tuple[WorkerKind, ...] = ("requests", "notifications", "verification", "paperwork")


class WorkerSettings(BaseModel):
    """The worker processes: one kind per service, each scaled on its own."""

    # The Temporal SDK's Prometheus exporter (workflow/activity task metrics). Process n
    # (from 0) of kind k listens on metrics_port + 10 * index(k) + n, so up to ten
    # processes of each kind fit beside the relay's port.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 59470
    # Off where every process has an address of its own (a container per replica in
    # docker-compose): each then listens on metrics_port itself.
    metrics_port_per_kind: bool = True
    # Processes per kind under the local supervisor (docker-compose: `replicas`).
    # Two of each kind a lifecycle goes through: when one is killed, the other takes
    # its workflow tasks and activities within their 3 s timeouts, while the supervisor
    # restarts the dead one (a Python worker takes 5-15 s to start on a loaded machine).
    requests_processes: int = Field(default=2, ge=1, le=10)
    notifications_processes: int = Field(default=2, ge=1, le=10)
    verification_processes: int = Field(default=1, ge=1, le=10)
    paperwork_processes: int = Field(default=2, ge=1, le=10)

    def processes(self, kind: WorkerKind) -> int:
        count: int = getattr(self, f"{kind}_processes")
        return count

    def metrics_port_of(self, kind: WorkerKind, replica: int) -> int:
        if not self.metrics_port_per_kind:
            return self.metrics_port
        return self.metrics_port + 10 * WORKER_KINDS.index(kind) + replica


class RelaySettings(BaseModel):
    """The outbox → Kafka relay (bridges)."""

    batch_size: int = Field(default=500, ge=1, le=10000)
    poll_interval_s: float = 1.0  # fallback when no NOTIFY arrives
    retention_hours: float = 72.0  # published rows are pruned after this
    prune_interval_s: float = 300.0
    max_backoff_s: float = 10.0
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 59465


class ClickHouseSettings(BaseModel):
    # Empty means "embedded chDB under the state directory"; any ClickHouse server DSN
    # (e.g. http://user:pass@host:8123/db) works unchanged through clickhouse-connect.
    dsn: str = ""
    # An identifier: it is written into the DDL and queries, never taken from a caller.
    database: str = Field(default="analytics", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class AnalyticsSettings(BaseModel):
    """The Kafka → ClickHouse sink and the reports read from it."""

    consumer_group: str = "analytics-sink"
    # Who runs the sink: None means "the API, when the store is embedded chDB" (only one
    # process may open it, and the API must read it); with a ClickHouse server the sink
    # runs as its own process (`python -m bridges sink`) unless this says otherwise.
    sink_in_api: bool | None = None
    batch_max: int = Field(default=5000, ge=1, le=100_000)
    # A batch is written when it is full or this long after its first event.
    flush_interval_s: float = Field(default=0.5, gt=0)
    # Offsets are committed at most this often; a crash replays the rest, and the
    # store's de-duplication on event_id makes the replay harmless.
    commit_interval_s: float = Field(default=1.0, ge=0)
    # Utilization counts time on jobs against this many working hours per active day.
    workday_hours: float = Field(default=8.0, gt=0, le=24)
    # The standalone sink process's Prometheus endpoint (the hosted sink uses the API's).
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 59466


def _origin(value: str) -> str:
    """scheme://host[:port], as a browser sends it in Origin (lower case, no path)."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ValueError(f"{value!r} is not an origin (e.g. https://app.example.com)")
    if parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{value!r} is not an origin (e.g. https://app.example.com)")
    return f"{parts.scheme}://{parts.netloc}".lower()


class ApiSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 58000
    # Request bodies are refused (413) past this size before they are read or parsed ...
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # ... except on the routes that carry uploads (identity scans: five files of up to
    # 5 MiB each, base64-encoded, plus the form's fields).
    max_upload_body_bytes: int = Field(default=36 * 1024 * 1024, ge=1024)
    # Photos one request may carry (the customer's and the executor's together).
    max_photos_per_request: int = Field(default=20, ge=1, le=1000)
    # Readiness details, /metrics and the OpenAPI schema need an admin's access token or
    # this operator token (Prometheus, probes); empty means admins only.
    ops_token: SecretStr = SecretStr("")
    # Serve the Swagger UI and ReDoc pages (which read the schema) to anyone.
    public_docs: bool = False
    # The built web app (web/dist by default), served under /app/.
    web_dist: str = ""
    # Where people's browsers reach the Temporal UI (the web app links workflows to it);
    # empty means the local dev server's UI.
    temporal_ui_public_url: str = ""
    # The origins people's browsers load the web app from, when the API is behind a
    # TLS-terminating proxy (a JSON list: '["https://app.example.com"]'): the browser
    # session endpoints accept an Origin header from these only. Empty: the origin the
    # request names itself (its scheme and Host), which is right without a proxy.
    public_origins: list[Annotated[str, AfterValidator(_origin)]] = []
    # The Secure flag of the session cookies; None: everywhere but a local run. Behind a
    # TLS proxy they are Secure whatever scheme the API itself is reached by.
    secure_cookies: bool | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


# Values that once shipped as defaults: public, so they only ever pass in a local run.
LOCAL_JWT_SECRET = "local-development-secret-change-me-0123456789"
LOCAL_WEBHOOK_SECRET = "local-webhook-secret"
LOCAL_ENVIRONMENT = "local"


class AuthSettings(BaseModel):
    # Signs new tokens and action links. The default is public: only a run explicitly
    # marked local accepts it (core.secret_policy); `make up` generates its own.
    jwt_secret: SecretStr = SecretStr(LOCAL_JWT_SECRET)
    # Earlier signing secrets that still verify (never sign) during a rotation, as a
    # JSON list: SRA_AUTH__JWT_PREVIOUS_SECRETS='["old-secret"]'. Dropping one signs
    # out everyone whose token it signed.
    jwt_previous_secrets: list[SecretStr] = []
    # HMAC only: the secrets are shared keys, and a free string would let "none" in.
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_ttl_s: int = 15 * 60
    refresh_ttl_s: int = 30 * 24 * 3600
    login_window_s: int = 15 * 60
    # Failures of one account from one client address before it must wait; each further
    # failure doubles the wait, up to the maximum.
    login_free_failures: int = Field(default=5, ge=1)
    login_backoff_base_s: int = Field(default=15, ge=1)
    login_backoff_max_s: int = Field(default=15 * 60, ge=1)
    login_max_failures_per_ip: int = 30
    # Failures of one account from all addresses after which every sign-in to it is
    # slowed down (never refused: that would let anyone lock anyone out).
    login_account_slowdown_after: int = Field(default=100, ge=1)
    login_account_slowdown_s: float = Field(default=1.0, ge=0)
    # Sign-ups: per client address, and per email address, in each window.
    register_window_s: int = Field(default=3600, ge=1)
    register_max_per_ip: int = Field(default=20, ge=1)
    register_max_per_email: int = Field(default=3, ge=1)


class SlaSettings(BaseModel):
    """Stage durations in seconds (docs/lifecycle.md); tests use second-scale values."""

    assign_s: float = 4 * 3600
    accept_s: float = 2 * 3600
    start_s: float = 24 * 3600
    complete_s: float = 72 * 3600
    auto_confirm_s: float = 48 * 3600
    escalation_step_s: float = 3600

    def policy(self) -> SlaPolicy:
        return SlaPolicy(**self.model_dump())


class SmtpSettings(BaseModel):
    """Outgoing mail. The defaults point at the local mailbox that `make up` runs."""

    host: str = "127.0.0.1"
    port: int = 58025
    username: str = ""
    password: SecretStr = SecretStr("")
    starttls: bool = False  # upgrade a plain connection (port 587 relays)
    use_tls: bool = False  # implicit TLS (port 465 relays)
    timeout_s: float = 15.0
    sender: str = "Сервис заявок <noreply@example.com>"
    # The local mailbox's web view (`make up`); not used when a real relay is configured.
    mailbox_web_port: int = 58026
    # How much mail the local mailbox keeps (0: no limit); the oldest is deleted first.
    mailbox_max_messages: int = Field(default=10_000, ge=0)
    mailbox_max_age_days: float = Field(default=30.0, ge=0)


class TelegramSettings(BaseModel):
    """The executors' bot. An empty token runs it against the local Bot API emulator
    (`make up` starts one); a real token from @BotFather switches it to Telegram."""

    bot_token: SecretStr = SecretStr("")
    api_url: str = "https://api.telegram.org"
    emulator_host: str = "127.0.0.1"
    emulator_port: int = 58081
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""  # public https URL Telegram posts to (webhook mode)
    webhook_secret: SecretStr = SecretStr(LOCAL_WEBHOOK_SECRET)
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 58082
    link_code_ttl_s: int = 10 * 60
    # How long a send waits for Telegram's answer; after that the outcome is unknown.
    read_timeout_s: float = Field(default=10.0, gt=0)
    # Telegram allows about 30 messages per second per bot; we stay below it, so a
    # busy worker's jitter between our clock and theirs never crosses their line.
    messages_per_s: float = Field(default=25.0, gt=0)

    EMULATOR_TOKEN: ClassVar[str] = "123456:local-emulator-token"

    @property
    def uses_emulator(self) -> bool:
        return not self.bot_token.get_secret_value()

    @property
    def token(self) -> str:
        return self.bot_token.get_secret_value() or self.EMULATOR_TOKEN

    @property
    def base_url(self) -> str:
        """Bot API root; python-telegram-bot appends the token to `<base>/bot`."""
        if self.uses_emulator:
            return f"http://{self.emulator_host}:{self.emulator_port}"
        return self.api_url.rstrip("/")


class NotificationSettings(BaseModel):
    # Deliveries run on their own task queue so a burst never delays lifecycle work.
    task_queue: str = "notifications"
    # The whole queue's ceiling (Temporal enforces it across all workers) ...
    queue_per_s: float = Field(default=40.0, gt=0)
    # ... and each channel's own pace (shared by all workers through Redis).
    email_per_s: float = Field(default=20.0, gt=0)
    max_concurrent: int = Field(default=50, ge=1)
    # Links in messages (confirm the work, open the request) point here.
    public_url: str = "http://127.0.0.1:58000"


class VerificationSettings(BaseModel):
    """Executor verification; tests use second-scale values."""

    # The verification workflows and their checks run on their own queue and workers.
    task_queue: str = "executor-verification"

    decision_timeout_s: float = 48 * 3600  # an officer's turn before the head is told
    validity_days: float = 365
    reminder_days: tuple[float, ...] = (30, 7)
    max_scan_bytes: int = 5 * 1024 * 1024
    # How long the tax check may wait for the tax service before an officer gets the
    # documents marked "not checked".
    tax_check_deadline_s: float = Field(default=24 * 3600, gt=0)
    # Submissions per executor per local day; more answer 429 until local midnight.
    submissions_per_day: int = Field(default=5, ge=1)

    def policy(self) -> VerificationPolicy:
        day = 24 * 3600
        return VerificationPolicy(
            decision_timeout_s=self.decision_timeout_s,
            validity_s=self.validity_days * day,
            reminders_before_s=tuple(d * day for d in self.reminder_days),
            tax_check_deadline_s=self.tax_check_deadline_s,
            submissions_per_day=self.submissions_per_day,
        )


class TaxServiceSettings(BaseModel):
    """The tax service's public self-employed (НПД) status check. An empty URL uses the
    local emulator that `make up` starts; production sets the real endpoint."""

    base_url: str = ""
    emulator_host: str = "127.0.0.1"
    emulator_port: int = 58083
    # The public service allows only a few requests per minute (per client address).
    requests_per_minute: float = Field(default=2.0, gt=0)
    cache_ttl_s: int = 24 * 3600
    max_wait_s: float = 5.0

    @property
    def uses_emulator(self) -> bool:
        return not self.base_url

    @property
    def url(self) -> str:
        return self.base_url or f"http://{self.emulator_host}:{self.emulator_port}"


class PaperworkSettings(BaseModel):
    """HR documents: who the platform is on paper, and what it keeps."""

    # Rendering runs on its own queue, in worker processes that serve no workflow tasks.
    task_queue: str = "paperwork"
    # Rendering processes per paperwork worker (a PDF is CPU work: it must not hold the
    # event loop or the GIL of the process that polls Temporal).
    render_processes: int = Field(default=1, ge=1, le=16)

    commission_rate: Decimal = Field(default=Decimal("0.10"), ge=0, lt=1)
    company_name: str = "ООО «Сервис заявок»"
    company_inn: str = "7707083893"
    company_address: str = "г. Москва, ул. Тверская, д. 1"
    city: str = "Москва"
    font_dir: Path = Path("/usr/share/fonts/truetype/dejavu")


def _known_time_zone(name: str) -> str:
    """An IANA zone name, refused at start-up rather than at the first document."""
    try:
        ZoneInfo(name)
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name, e.g. Europe/Moscow)"
        ) from error
    return name


def _comma_separated(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class DispatchSettings(BaseModel):
    """How candidates for a request are ranked (domain/dispatch.py): each factor's value
    is between 0 and 1, so a weight is the most that factor can add to a score."""

    weight_load: float = Field(default=3.0, ge=0)
    weight_rating: float = Field(default=2.0, ge=0)
    weight_acceptance: float = Field(default=1.5, ge=0)
    weight_sla: float = Field(default=1.5, ge=0)
    weight_area: float = Field(default=1.0, ge=0)
    # Candidates (and refusals) one answer lists at most.
    max_candidates: int = Field(default=100, ge=1, le=1000)
    # The offer cascade (docs/dispatch.md): the categories whose new requests are offered
    # to their candidates one by one (none: managers assign everything by hand), how
    # long an offer stays open, and how many are made before the managers take over.
    # Comma-separated in the environment (SRA_DISPATCH__AUTO_CATEGORIES=heating,installation).
    auto_categories: Annotated[list[str], NoDecode, BeforeValidator(_comma_separated)] = Field(
        default_factory=list
    )
    offer_timeout_s: float = Field(default=15 * 60, ge=1, le=7 * 24 * 3600)
    max_offers: int = Field(default=3, ge=1, le=20)

    def weights(self) -> Weights:
        return Weights(
            load=self.weight_load,
            rating=self.weight_rating,
            acceptance=self.weight_acceptance,
            sla=self.weight_sla,
            area=self.weight_area,
        )

    def cascade_for(self, category: str) -> CascadePolicy | None:
        """The cascade a new request of `category` runs, or None when managers assign."""
        if category not in self.auto_categories:
            return None
        return CascadePolicy(offer_timeout_s=self.offer_timeout_s, max_offers=self.max_offers)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SRA_",
        env_nested_delimiter="__",
        env_file=REPO_ROOT / ".env",
        extra="ignore",
    )

    # Only an explicit "local" (set by `make up` and the test suite) relaxes the secret
    # checks; a process started any other way is treated as production.
    environment: str = "production"
    log_level: str = "INFO"
    # The one local time zone of the business: document dates, age checks, message times.
    time_zone: Annotated[str, AfterValidator(_known_time_zone)] = "Europe/Moscow"
    # Service data of the local stack (database clusters, Kafka log, Temporal's SQLite).
    state_dir: Path = REPO_ROOT / ".state"
    # Downloaded and built tools (Kafka jars, Temporal binary); survives fresh clones.
    cache_dir: Path = Path.home() / ".cache" / "service-aggregator"

    postgres: PostgresSettings = PostgresSettings()
    redis: RedisSettings = RedisSettings()
    kafka: KafkaSettings = KafkaSettings()
    temporal: TemporalSettings = TemporalSettings()
    worker: WorkerSettings = WorkerSettings()
    relay: RelaySettings = RelaySettings()
    clickhouse: ClickHouseSettings = ClickHouseSettings()
    analytics: AnalyticsSettings = AnalyticsSettings()
    api: ApiSettings = ApiSettings()
    auth: AuthSettings = AuthSettings()
    sla: SlaSettings = SlaSettings()
    smtp: SmtpSettings = SmtpSettings()
    telegram: TelegramSettings = TelegramSettings()
    notifications: NotificationSettings = NotificationSettings()
    verification: VerificationSettings = VerificationSettings()
    tax_service: TaxServiceSettings = TaxServiceSettings()
    paperwork: PaperworkSettings = PaperworkSettings()
    dispatch: DispatchSettings = DispatchSettings()

    def task_queue_of(self, kind: WorkerKind) -> str:
        """The Temporal task queue the workers of `kind` serve."""
        return {
            "requests": self.temporal.task_queue,
            "notifications": self.notifications.task_queue,
            "verification": self.verification.task_queue,
            "paperwork": self.paperwork.task_queue,
        }[kind]

    def with_task_queues(self, prefix: str) -> Settings:
        """These settings with every worker queue named after `prefix`: tests and tools
        run their own workers beside the platform's without taking its tasks."""
        return self.model_copy(
            update={
                "temporal": self.temporal.model_copy(update={"task_queue": prefix}),
                "notifications": self.notifications.model_copy(
                    update={"task_queue": f"{prefix}-notifications"}
                ),
                "verification": self.verification.model_copy(
                    update={"task_queue": f"{prefix}-verification"}
                ),
                "paperwork": self.paperwork.model_copy(
                    update={"task_queue": f"{prefix}-paperwork"}
                ),
            }
        )

    @property
    def clickhouse_dsn(self) -> str:
        return self.clickhouse.dsn or f"chdb://{self.state_dir.resolve() / 'clickhouse'}"

    @property
    def clickhouse_embedded(self) -> bool:
        return self.clickhouse_dsn.startswith("chdb:")

    @property
    def sink_runs_in_api(self) -> bool:
        hosted = self.analytics.sink_in_api
        return self.clickhouse_embedded if hosted is None else hosted


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

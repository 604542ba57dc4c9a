"""Tables of the main store (SQLAlchemy 2, typed). Alembic migrations are generated
from this metadata; `service_requests` is the read model the API lists from."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Update,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.engine import Connection
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    ORMExecuteState,
    Session,
    mapped_column,
    object_session,
)

# Deterministic constraint names keep Alembic autogenerate diffs stable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _now() -> Any:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32), index=True)
    locale: Mapped[str] = mapped_column(String(8), server_default="ru")
    # Channels the user wants notifications on; NULL means the role's default.
    notification_channels: Mapped[list[str] | None] = mapped_column(ARRAY(String(16)))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = _now()
    # Every UPDATE of the row sets it (the ORM's and plain update() statements alike);
    # changes to the person's profiles set it too (see _touch_owner below).
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )

    # The new updated_at comes back with the UPDATE (RETURNING): reading it later
    # needs no round trip, and works on an object whose session has closed.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 - SQLAlchemy reads it as is


class RequestOffer(Base):
    """One offer of a request's dispatch cascade and what became of it."""

    __tablename__ = "request_offers"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), primary_key=True
    )
    offer_no: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    executor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    # domain.cascade.OfferOutcome: sent while open, then what ended it.
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)


class Rating(Base):
    """One side's rating of a finished request: the customer rates the executor, the
    executor the customer; once each, editable for a while (domain/ratings.py)."""

    __tablename__ = "ratings"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), primary_key=True
    )
    rater_role: Mapped[str] = mapped_column(String(16), primary_key=True)
    rater_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    ratee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="ck_ratings_score"),
        CheckConstraint("rater_role IN ('customer', 'executor')", name="ck_ratings_rater_role"),
        Index("ix_ratings_ratee_id", "ratee_id", "rater_role"),
    )


class FollowUp(Base):
    """A manager's task to call back a customer who rated a job low."""

    __tablename__ = "follow_ups"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (
        Index("ix_follow_ups_open", "created_at", postgresql_where=text("done_at IS NULL")),
    )


class ExecutorProfile(Base):
    __tablename__ = "executor_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    skills: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    service_area: Mapped[str] = mapped_column(String(200), server_default="")
    # Dispatch: the districts served (none: the whole city) and the jobs held at once.
    districts: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    capacity: Mapped[int] = mapped_column(SmallInteger, server_default="3")
    verification_status: Mapped[str] = mapped_column(String(24), server_default="unverified")
    verified_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    available: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Weekly hours (domain.working_hours, as its `as_json`); NULL: any time.
    working_hours: Mapped[dict[str, list[str]] | None] = mapped_column(JSONB)
    # From the executor's verified documents (the act and the contract name it).
    inn: Mapped[str | None] = mapped_column(String(12))
    verification_reason: Mapped[str] = mapped_column(Text, server_default="")

    __table_args__ = (
        Index("ix_executor_profiles_skills", "skills", postgresql_using="gin"),
        CheckConstraint("capacity BETWEEN 1 AND 50", name="ck_executor_profiles_capacity"),
    )


class CustomerProfile(Base):
    __tablename__ = "customer_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(String(32), server_default="")
    default_address: Mapped[str] = mapped_column(Text, server_default="")


# A change to a person's profile (verification status, Telegram chat, skills...) is a
# change to the person: users.updated_at follows, whichever code made it.
_PROFILES = (ExecutorProfile, CustomerProfile)


@event.listens_for(ExecutorProfile, "before_update")
@event.listens_for(CustomerProfile, "before_update")
def _touch_owner(_mapper: Mapper[Any], connection: Connection, target: Any) -> None:
    """A profile changed through the unit of work (an attribute set, then flushed)."""
    session = object_session(target)
    # Called for every dirty profile, also those whose attributes were set to what they were.
    if session is not None and session.is_modified(target, include_collections=False):
        connection.execute(
            update(User).where(User.id == target.user_id).values(updated_at=func.now())
        )


@event.listens_for(Session, "do_orm_execute")
def _touch_owners_of_bulk_update(state: ORMExecuteState) -> None:
    """A profile changed through an update() statement (the unit of work is not involved):
    the owners of the rows it matches are touched first, while the WHERE still matches."""
    statement = state.statement
    if not state.is_update or not isinstance(statement, Update):
        return
    target = statement.entity_description.get("table")
    profile = next((p for p in _PROFILES if target is p.__table__), None)
    if profile is None:
        return
    owners = select(profile.user_id)
    if statement.whereclause is not None:
        owners = owners.where(statement.whereclause)
    state.session.execute(
        update(User).where(User.id.in_(owners)).values(updated_at=func.now()),
        execution_options={"synchronize_session": False},
    )


class ServiceRequest(Base):
    __tablename__ = "service_requests"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    state: Mapped[str] = mapped_column(String(16), index=True)
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    report: Mapped[str | None] = mapped_column(Text)
    sla_stage: Mapped[str | None] = mapped_column(String(16))
    sla_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sla_breached: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Paperwork that failed for good: the confirmed request waits for HR to retry it.
    paperwork_failed: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    # The API stores a new request itself and starts its workflow after the commit:
    # NULL until that workflow is known to be started. `start_intent` holds how to
    # start it (domain.requests.StartIntent), written in the same transaction, so a
    # crash between the answer and the start loses nothing: a sweeper starts it.
    workflow_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    start_intent: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Failed starts of it so far: the sweeper takes the fewest first, so a row that can
    # never start sinks behind the new ones instead of blocking them.
    start_attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    # Where its dispatch cascade stands (domain.cascade.CascadeState); NULL: no cascade.
    dispatch: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("customer_id", "idempotency_key"),
        Index("ix_service_requests_created_at_id", "created_at", "id"),
        # The sweeper's work list: only the few rows not started yet, oldest first.
        Index(
            "ix_service_requests_unstarted",
            "start_attempts",
            "created_at",
            postgresql_where=text("workflow_started_at IS NULL"),
        ),
    )


class RequestTransition(Base):
    """One row per transition of a request: its history."""

    __tablename__ = "request_transitions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE")
    )
    event_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("request_id", "seq"),
        # An executor's record for dispatch: their accepts, declines and completions.
        Index("ix_request_transitions_actor_action", "actor_id", "action"),
    )


class RequestActionKey(Base):
    """An Idempotency-Key an actor used for an action on a request, bound to that action
    and its body: a repeat with the same key and body gets the first result, the same key
    with another action or body is refused. Written before the workflow update runs."""

    __tablename__ = "request_action_keys"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    # sha256 (hex) of the action and its arguments, as RequestCommands.act sends them.
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _now()


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    actor_id: Mapped[str] = mapped_column(String(64), index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # allowed | denied
    detail: Mapped[str] = mapped_column(Text, server_default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    occurred_at: Mapped[datetime] = _now()


class Notification(Base):
    """One message to one person on one channel; its id is the de-duplication key.

    status: requested → sending → sent | failed, or `unconfirmed` when a sender died
    after handing the message over and before hearing back (never re-sent blindly)."""

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    trigger_event_id: Mapped[uuid.UUID] = mapped_column(UUID, index=True)
    request_id: Mapped[uuid.UUID | None] = mapped_column(UUID, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    address: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(8))
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    status: Mapped[str] = mapped_column(String(16), server_default="requested")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")  # hand-overs
    # The activity attempt that marked it `sending`: only that one may record the outcome.
    sending_attempt: Mapped[int | None] = mapped_column(Integer)
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    sending_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RequestAttachment(Base):
    """A file kept with a request (the executor's photos of the work)."""

    __tablename__ = "request_attachments"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), index=True
    )
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # photo
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    caption: Mapped[str] = mapped_column(Text, server_default="")
    created_at: Mapped[datetime] = _now()

    # The same photo sent twice (a retried upload) is kept once.
    __table_args__ = (UniqueConstraint("request_id", "sha256"),)


class VerificationSubmission(Base):
    """Identity documents an executor submitted for verification (personal data: only
    the executor and security staff may read them)."""

    __tablename__ = "verification_submissions"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    executor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    inn: Mapped[str] = mapped_column(String(12))
    passport_series: Mapped[str] = mapped_column(String(4))
    passport_number: Mapped[str] = mapped_column(String(6))
    date_of_birth: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = _now()


class VerificationScan(Base):
    __tablename__ = "verification_scans"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("verification_submissions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("submission_id", "sha256"),)


class Document(Base):
    """A generated HR document. Its id derives from (request, kind, version), so a retried
    generation finds the document it already made."""

    __tablename__ = "documents"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_requests.id"), index=True)
    executor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # act | contract | payout
    number: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    file_name: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = _now()

    __table_args__ = (
        UniqueConstraint("request_id", "kind", "version"),
        # One civil-law contract per executor: made on their first job, never twice.
        Index(
            "uq_documents_one_contract_per_executor",
            "executor_id",
            unique=True,
            postgresql_where=text("kind = 'contract'"),
        ),
    )


class Payout(Base):
    """What the executor is paid for a request: gross, the platform's commission, net."""

    __tablename__ = "payouts"

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service_requests.id"), unique=True)
    executor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    gross: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    commission_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    commission: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    net: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), server_default="RUB")
    recorded_on: Mapped[date] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = _now()


class AggregateSequence(Base):
    """The last `seq` handed out per aggregate; the row lock keeps seq gap-free."""

    __tablename__ = "aggregate_sequences"

    aggregate_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)


OUTBOX_SHARDS = 16


class OutboxEvent(Base):
    """Events written in the same transaction as the change they describe; the relay
    publishes them to Kafka and stamps `published_at`.

    `shard` pins every aggregate to one of OUTBOX_SHARDS; a relay serves a shard under an
    advisory lock, so several relays never publish one aggregate's events out of order."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID, unique=True)
    topic: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    aggregate_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSONB)
    shard: Mapped[int] = mapped_column(
        SmallInteger,
        Computed(f"abs(hashtext(aggregate_id)::bigint) % {OUTBOX_SHARDS}", persisted=True),
    )
    created_at: Mapped[datetime] = _now()
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("aggregate_id", "seq"),
        Index("ix_outbox_pending", "shard", "id", postgresql_where=text("published_at IS NULL")),
        Index(
            "ix_outbox_published_at",
            "published_at",
            postgresql_where=text("published_at IS NOT NULL"),
        ),
    )

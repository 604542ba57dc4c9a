"""Changing an executor's dispatch profile: executors set their own districts, weekly
hours and duty; managers set all of it, skills and capacity too. Every change is audited
with its before and after."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.districts import GAZETTEER
from domain.lifecycle import STAFF_ROLES, Actor, Role
from domain.working_hours import parse_hours
from services.errors import Forbidden, NotFound, Unprocessable
from store import audit
from store.audit import AuditRecord
from store.models import ExecutorProfile

# What an executor may change of their own profile; staff change everything.
SELF_EDITABLE = frozenset({"districts", "working_hours", "available"})
EDITABLE = SELF_EDITABLE | {"skills", "capacity"}


@dataclass(frozen=True)
class ProfileChange:
    """The fields to change (only those named in `values`; a None hours clears them)."""

    values: dict[str, Any] = field(default_factory=dict)


class ExecutorProfiles:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def change(self, actor: Actor, executor_id: str, change: ProfileChange) -> None:
        wanted = set(change.values)
        if unknown := wanted - EDITABLE:
            raise Unprocessable(f"not a profile field: {', '.join(sorted(unknown))}")
        if actor.role not in STAFF_ROLES:
            if actor.role != Role.EXECUTOR or actor.id != executor_id:
                raise Forbidden("an executor's profile is changed by them or by managers")
            if managed := wanted - SELF_EDITABLE:
                raise Forbidden(f"{', '.join(sorted(managed))}: set by managers")
        values = _checked(change.values)
        async with self.sessions.begin() as session:
            profile = await session.get(
                ExecutorProfile, uuid.UUID(executor_id), with_for_update=True
            )
            if profile is None:
                raise NotFound(f"executor {executor_id} does not exist")
            before = {name: _plain(getattr(profile, name)) for name in values}
            for name, value in values.items():
                setattr(profile, name, value)
            await session.flush()
            await audit.add(
                session,
                AuditRecord(
                    actor_id=actor.id,
                    actor_role=actor.role,
                    action="executor.profile",
                    target_type="executor",
                    target_id=executor_id,
                    outcome="allowed",
                    event_type="audit.action",
                    aggregate_id=f"user:{executor_id}",
                    before=before,
                    after={name: _plain(value) for name, value in values.items()},
                ),
            )


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    checked = dict(values)
    if "districts" in values:
        unknown = [d for d in values["districts"] if d not in GAZETTEER]
        if unknown:
            raise Unprocessable(f"unknown district {unknown[0]!r}; known: {', '.join(GAZETTEER)}")
        checked["districts"] = sorted(set(values["districts"]))
    if values.get("working_hours") is not None:
        try:
            checked["working_hours"] = parse_hours(values["working_hours"]).as_json()
        except ValueError as error:
            raise Unprocessable(f"working_hours: {error}") from None
    if "skills" in values:
        checked["skills"] = sorted(set(values["skills"]))
    return checked


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value

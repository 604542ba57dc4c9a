"""What the readiness probe asks the database server itself."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def server_version(conn: AsyncConnection) -> str:
    return str((await conn.execute(text("SHOW server_version"))).scalar_one())

"""What the web app needs to know about its surroundings."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import CurrentUser, ResourcesDep

router = APIRouter(tags=["web"])


class WebConfig(BaseModel):
    temporal_ui_url: str
    temporal_namespace: str


@router.get("/web/config", response_model=WebConfig, summary="Settings the web app reads")
async def web_config(_user: CurrentUser, resources: ResourcesDep) -> WebConfig:
    temporal = resources.settings.temporal
    return WebConfig(
        temporal_ui_url=resources.settings.api.temporal_ui_public_url or temporal.ui_url,
        temporal_namespace=temporal.namespace,
    )

"""The API's composition root: `uvicorn --factory api.main:app_factory`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.analytics_host import HostedSink
from api.docs import install_docs
from api.limits import BodyLimitMiddleware
from api.live.hub import LiveHub
from api.live.kafka_feed import KafkaFeed
from api.metrics import install_metrics
from api.openapi_document import install_openapi_document
from api.problems import install_problem_handlers
from api.resources import Resources
from api.routes import (
    auth,
    bulk_actions,
    candidates,
    documents,
    events,
    executors,
    health,
    links,
    paperwork,
    ratings,
    reports,
    request_actions,
    requests,
    users,
    verification,
    web_config,
    web_session,
)
from api.security_headers import SecurityHeadersMiddleware
from api.tracing import install_tracing
from api.web_app import install_web_app
from core.logging import configure_logging
from core.secret_policy import refuse_insecure_secrets
from core.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    refuse_insecure_secrets(settings, "the API")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.resources = Resources.open(settings)
        feed = KafkaFeed(settings, app.state.live_hub, app.state.resources.requests)
        feed.start()
        app.state.live_feed = feed
        sink = HostedSink(app.state.resources)
        if settings.sink_runs_in_api:
            sink.start()
        app.state.analytics_sink = sink
        try:
            yield
        finally:
            await sink.stop()
            await feed.stop()
            await app.state.resources.close()

    app = FastAPI(
        title="Service Request Aggregator",
        version="0.1.0",
        description="Customers file service requests, managers assign executors, "
        "executors do the work; every request is a durable Temporal workflow.",
        lifespan=lifespan,
        # Served by install_docs, to operators only unless the docs are public.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.live_hub = LiveHub()
    install_problem_handlers(app)
    # Innermost (added first): the endpoints read the body through it directly, so its
    # refusal reaches the problem handlers unwrapped by the middlewares around it.
    app.add_middleware(BodyLimitMiddleware, settings=settings.api, auth=settings.auth)
    install_metrics(app)
    install_tracing(app)
    # Outermost (added last): every answer, refusals included, carries the headers.
    app.add_middleware(SecurityHeadersMiddleware)
    install_docs(app, public=settings.api.public_docs)
    install_openapi_document(app)
    app.include_router(health.router)
    app.include_router(auth.router)
    # Before the request routes: /requests/bulk is not a request id.
    app.include_router(bulk_actions.router)
    app.include_router(requests.router)
    app.include_router(request_actions.router)
    app.include_router(candidates.router)
    app.include_router(ratings.router)
    app.include_router(executors.router)
    app.include_router(users.router)
    app.include_router(links.router)
    app.include_router(verification.router)
    app.include_router(documents.router)
    app.include_router(paperwork.router)
    app.include_router(web_session.router)
    app.include_router(events.router)
    app.include_router(web_config.router)
    app.include_router(reports.router)
    install_web_app(app, settings)
    return app


def app_factory() -> FastAPI:
    """The served process: settings from the environment, JSON logs."""
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)

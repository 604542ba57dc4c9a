"""Links sent in messages: the customer confirms the work from the completion email.

GET shows a page with a button and changes nothing (mail scanners and link previews
open links on their own); the POST of that button performs the action, as the person
the link was made for, through the same workflow update as the API.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import ResourcesDep
from api.security_headers import DEFAULT_POLICY, csp_hash
from core.logging import get_logger
from core.security import InvalidToken, decode_action_link
from domain.lifecycle import Action, Actor, Role, TransitionError
from services.errors import ServiceError
from store import users

router = APIRouter(tags=["links"], include_in_schema=True)

# The page's only style, allowed by its hash: no inline script or style attribute runs.
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}"
    "h1{font-size:1.4rem}button{font-size:1.1rem;padding:.6rem 1.2rem}.note{color:#666}"
)
_POLICY = f"{DEFAULT_POLICY}; style-src {csp_hash(_STYLE)}"
_PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{style}</style></head>
<body><h1>{title}</h1>{body}</body></html>"""


def _page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    html = _PAGE.format(title=escape(title), style=_STYLE, body=body)
    return HTMLResponse(html, status_code=status_code, headers={"Content-Security-Policy": _POLICY})


log = get_logger("links")
# Why a signature or a key was refused is for the log: the page says it plainly, and
# never hands whoever holds a doctored link the verifier's own words.
UNREADABLE_LINK = "Ссылка повреждена или устарела. / The link is damaged or has expired."


def _unreadable_link(error: InvalidToken) -> HTMLResponse:
    log.info("link.refused", reason=str(error))
    return _bad_link(UNREADABLE_LINK)


def _bad_link(detail: str) -> HTMLResponse:
    return _page(
        "Ссылка недействительна / Link is not valid",
        f"<p>{escape(detail)}</p><p>Откройте заявку в личном кабинете.</p>",
        400,
    )


@router.get(
    "/confirm/{token}",
    response_class=HTMLResponse,
    summary="Confirm-the-work page",
    responses={
        400: {"description": "the link is not valid", "content": {"text/html": {}}},
    },
)
async def confirm_page(token: str, resources: ResourcesDep) -> HTMLResponse:
    try:
        link = decode_action_link(resources.settings.auth, token)
    except InvalidToken as error:
        return _unreadable_link(error)
    view = await resources.requests.get(link.request_id)
    if view is None:
        return _bad_link("Заявка не найдена. / The request does not exist.")
    return _page(
        "Подтвердите выполнение работ",
        f"<p>Заявка <b>{escape(view.id[:8])}</b>: {escape(view.description)}</p>"
        f"<p>Отчёт исполнителя: {escape(view.report or '—')}</p>"
        '<form method="post"><button type="submit">Подтвердить / Confirm</button></form>',
    )


@router.post(
    "/confirm/{token}",
    response_class=HTMLResponse,
    summary="Confirm the work",
    responses={
        400: {"description": "the link is not valid", "content": {"text/html": {}}},
        409: {"description": "nothing to confirm", "content": {"text/html": {}}},
    },
)
async def confirm(token: str, resources: ResourcesDep) -> HTMLResponse:
    try:
        link = decode_action_link(resources.settings.auth, token)
    except InvalidToken as error:
        return _unreadable_link(error)
    if link.action != Action.CONFIRM:
        return _bad_link(
            "Эта ссылка не для подтверждения работ. / This link is not for confirming work."
        )
    async with resources.sessions() as session:
        user = await users.by_id(session, link.subject)
    if user is None or not user.is_active:
        return _bad_link(
            "Учётная запись этой ссылки не активна. / The account of this link is not active."
        )
    commands = await resources.commands()
    try:
        view = await commands.act(
            link.request_id,
            Action.CONFIRM,
            Actor(str(user.id), Role(user.role)),
            # One confirm per link: a double click or a resubmitted form is the same update.
            idempotency_key=f"link-{link.request_id}",
        )
    except (TransitionError, ServiceError) as error:
        current = await resources.requests.get(link.request_id)
        state = current.state if current else "unknown"
        return _page(
            "Подтверждение не требуется / Nothing to confirm",
            f"<p>Заявка сейчас в состоянии «{escape(state)}».</p>"
            f"<p class='note'>{escape(getattr(error, 'message', str(error)))}</p>",
            409,
        )
    return _page(
        "Спасибо! Работа подтверждена",
        f"<p>Заявка <b>{escape(view.id[:8])}</b> подтверждена. "
        "Документы придут отдельным письмом.</p>",
    )

"""Request and response bodies of the API (XCreate / XUpdate / XPublic)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    model_validator,
)

from domain.cascade import CascadeState
from domain.lifecycle import Role, State
from domain.notifications import Channel


def _printable(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no person types other control characters.
    if any(ord(c) < 32 and c not in "\n\r\t" for c in value):
        raise ValueError("must not contain control characters")
    return value


Clean = AfterValidator(_printable)


def _text(min_length: int, max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


Text = Annotated[str, _text(1, 4000), Clean]
Name = Annotated[str, _text(1, 200), Clean]
Address = Annotated[str, _text(3, 500), Clean]
Reason = Annotated[str, _text(0, 1000), Clean]
Area = Annotated[str, _text(0, 200), Clean]
Category = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_-]*$"
    ),
]
Password = Annotated[str, StringConstraints(min_length=10, max_length=200), Clean]
Locale = Literal["ru", "en"]
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Body(BaseModel):
    """Every request body: an unknown field is a 422 naming it, never silently dropped
    (a misspelt "budjet" must not file a request without a budget)."""

    model_config = ConfigDict(extra="forbid")


# How far a visit window may lie from now: a request is filed for the coming months, and
# may be filed a little late for work already under way. Anything else is a typo.
WINDOW_PAST = timedelta(days=365)
WINDOW_FUTURE = timedelta(days=2 * 365)
WINDOW_LONGEST = timedelta(days=31)
# Real UTC offsets run from -12:00 to +14:00.
LARGEST_OFFSET = timedelta(hours=14)


def _plausible_window_time(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None:
        raise ValueError("needs a time zone offset, e.g. +03:00")
    if abs(offset) > LARGEST_OFFSET:
        raise ValueError("the offset must lie between -14:00 and +14:00")
    now = datetime.now(UTC)
    try:
        plausible = now - WINDOW_PAST <= value <= now + WINDOW_FUTURE
    except OverflowError:  # year 1 or 9999 pushed past the calendar by its offset
        plausible = False
    if not plausible:
        raise ValueError("must lie between one year ago and two years from now")
    return value


WindowTime = Annotated[datetime, AfterValidator(_plausible_window_time)]
# A person alive and old enough to work today was born after 1900 and not in the future
# (the verification checks the legal age itself).
OLDEST_BIRTH = date(1900, 1, 1)


def _plausible_birth_date(value: date) -> date:
    # Tomorrow in UTC is "today" somewhere east: the date is refused only from the day after.
    if not OLDEST_BIRTH <= value <= datetime.now(UTC).date() + timedelta(days=1):
        raise ValueError(f"must lie between {OLDEST_BIRTH.isoformat()} and today")
    return value


BirthDate = Annotated[date, AfterValidator(_plausible_birth_date)]


class UserRegister(Body):
    email: EmailStr
    password: Password
    full_name: Name
    locale: Locale = "ru"

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "new.customer@example.org",
                    "password": "correct-horse-battery",
                    "full_name": "Анна Иванова",
                    "locale": "ru",
                }
            ]
        }
    )


# Every role a person can hold: "system" is for timers and automation only.
PersonRole = Literal[
    "customer", "executor", "manager", "head_manager", "security", "head_security", "hr", "admin"
]


class UserCreate(Body):
    """An admin creates executors and staff (and may create customers)."""

    email: EmailStr
    password: Password
    full_name: Name
    role: PersonRole
    locale: Locale = "ru"
    skills: list[Category] = Field(default_factory=list, max_length=50)
    service_area: Area = ""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "new.executor@example.org",
                    "password": "a-long-initial-secret",
                    "full_name": "Иван Петров",
                    "role": "executor",
                    "skills": ["plumbing"],
                    "service_area": "Moscow, CAO",
                }
            ]
        }
    )


class UserUpdate(Body):
    full_name: Name | None = None
    role: PersonRole | None = None
    is_active: bool | None = None
    locale: Locale | None = None
    skills: list[Category] | None = Field(default=None, max_length=50)
    service_area: Area | None = None
    available: bool | None = None
    # verification_status / verified_until are not here on purpose: only the verification
    # workflow writes them, and extra="forbid" refuses them with a 422 naming the field.

    model_config = ConfigDict(extra="forbid")


class ExecutorPublic(BaseModel):
    id: str
    email: str
    full_name: str
    is_active: bool
    skills: list[str]
    service_area: str
    verification_status: str
    verified_until: datetime | None
    available: bool
    active_jobs: int
    telegram_linked: bool
    districts: list[str] = Field(
        default_factory=list, description="districts served; none: the whole city"
    )
    capacity: int = Field(default=3, description="jobs held at once at most")
    working_hours: WeeklyHours | None = Field(
        default=None, description="weekly hours in the business time zone; null: any time"
    )
    rating: float | None = Field(default=None, description="mean of the customers' ratings")
    ratings: int = Field(default=0, description="how many customers rated them")


HoursInterval = Annotated[str, StringConstraints(pattern=r"^\d\d:\d\d-\d\d:\d\d$", max_length=11)]


class WeeklyHours(Body):
    """Working intervals per weekday, "HH:MM-HH:MM" in the business time zone; a day left
    out is a day off."""

    mon: list[HoursInterval] = Field(default_factory=list, max_length=8)
    tue: list[HoursInterval] = Field(default_factory=list, max_length=8)
    wed: list[HoursInterval] = Field(default_factory=list, max_length=8)
    thu: list[HoursInterval] = Field(default_factory=list, max_length=8)
    fri: list[HoursInterval] = Field(default_factory=list, max_length=8)
    sat: list[HoursInterval] = Field(default_factory=list, max_length=8)
    sun: list[HoursInterval] = Field(default_factory=list, max_length=8)

    def by_day(self) -> dict[str, list[str]]:
        return {day: list(getattr(self, day)) for day in WEEKDAY_NAMES if getattr(self, day)}


class ProfileUpdate(Body):
    """Only the fields sent change. Executors may send districts, working_hours and
    available for themselves; managers any of them."""

    skills: list[Category] | None = Field(default=None, max_length=20)
    districts: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=20, description="district names; [] for the whole city"
    )
    capacity: int | None = Field(default=None, ge=1, le=50)
    working_hours: WeeklyHours | None = Field(
        default=None,
        description='{"mon": ["09:00-13:00", "14:00-18:00"], ...}; null: any time',
    )
    available: bool | None = Field(default=None, description="on duty (offered work) or not")

    @model_validator(mode="after")
    def _only_hours_clear(self) -> ProfileUpdate:
        for name in self.model_fields_set - {"working_hours"}:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ExecutorPage(BaseModel):
    items: list[ExecutorPublic]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class UserPublic(BaseModel):
    id: str
    email: str
    full_name: str
    role: Role
    locale: str
    # The channels notifications actually use (the choice, minus unlinked Telegram).
    notification_channels: list[Channel]
    is_active: bool
    created_at: datetime
    executor: ExecutorPublic | None = None


class PreferencesUpdate(Body):
    """Language of messages and the channels to get them on; omitted fields stay."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"locale": "en", "notification_channels": ["email"]}]},
    )

    locale: Locale | None = None
    notification_channels: list[Channel] | None = Field(default=None, min_length=1, max_length=2)


class TelegramLinkOut(BaseModel):
    code: str
    expires_in_s: int
    instructions: str


class AttachmentPublic(BaseModel):
    id: str
    kind: str
    content_type: str
    size: int
    sha256: str
    caption: str
    uploaded_by: str
    created_at: datetime


class PhotoIn(Body):
    """One photo, base64-encoded (10 MiB at most once decoded)."""

    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    content_base64: str = Field(min_length=4, max_length=14_000_000)
    caption: str = Field(default="", max_length=500)


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class RefreshIn(Body):
    refresh_token: str = Field(min_length=10, max_length=4096)


class RequestCreate(Body):
    category: Category
    description: Text
    address: Address
    window_start: WindowTime | None = None
    window_end: WindowTime | None = None
    budget: Decimal | None = Field(default=None, ge=0, le=Decimal("100000000"), decimal_places=2)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "plumbing",
                    "description": "Течёт смеситель на кухне",
                    "address": "Москва, Тверская ул., 1, кв. 10",
                    "window_start": "2026-12-01T09:00:00+03:00",
                    "window_end": "2026-12-01T13:00:00+03:00",
                    "budget": "2500.00",
                },
                # No window: valid on any day (a dated example ages out of the plausible range).
                {
                    "category": "electrical",
                    "description": "Не работает розетка в прихожей",
                    "address": "Москва, Ленинский пр., 30, кв. 5",
                    "budget": "1200.00",
                },
            ]
        }
    )

    @model_validator(mode="after")
    def _window_in_order(self) -> RequestCreate:
        if self.window_start and self.window_end:
            if self.window_end <= self.window_start:
                raise ValueError("window_end must be after window_start")
            if self.window_end - self.window_start > WINDOW_LONGEST:
                raise ValueError("the window may span at most 31 days")
        return self


class RequestPublic(BaseModel):
    id: str
    customer_id: str
    category: str
    description: str
    address: str
    state: State
    assignee_id: str | None
    window_start: datetime | None
    window_end: datetime | None
    budget: str | None
    report: str | None
    sla_stage: str | None
    sla_due_at: datetime | None
    sla_breached: bool
    version: int
    created_at: datetime
    updated_at: datetime
    paperwork_failed: bool = Field(
        default=False,
        description="the HR paperwork failed for good; the confirmed request waits for "
        "HR to retry it (POST /requests/{id}/paperwork/retry)",
    )
    dispatch: CascadeState | None = Field(
        default=None,
        description="where the request's automatic offer cascade stands; null when its "
        "category is assigned by hand (GET /requests/{id}/offers lists the offers)",
    )
    actions: list[str] = Field(description="actions the caller may take now")


class RequestPage(BaseModel):
    items: list[RequestPublic]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class TransitionPublic(BaseModel):
    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor_id: str
    actor_role: str
    occurred_at: datetime
    data: dict[str, object]


class AssignBody(Body):
    executor_id: UUID


class ReasonBody(Body):
    reason: Reason | None = None


class CompleteBody(Body):
    report: Text

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"report": "Заменил картридж смесителя, протечки нет"}]}
    )


class ResolveBody(Body):
    outcome: Literal["rework", "accept"]
    reason: Reason | None = None


class ScanIn(Body):
    kind: Literal["passport_main", "passport_registration", "inn_certificate", "selfie"]
    content_type: Literal["image/jpeg", "image/png", "application/pdf"]
    content_base64: str = Field(min_length=4, max_length=8_000_000)


class VerificationSubmit(Body):
    """Identity documents of a self-employed executor (НПД)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "full_name": "Иванов Иван Иванович",
                    "inn": "500100732259",
                    "passport_series": "45 06",
                    "passport_number": "123456",
                    "date_of_birth": "1990-04-12",
                    "scans": [],
                }
            ]
        },
    )

    full_name: Annotated[str, StringConstraints(min_length=3, max_length=200), Clean]
    inn: str = Field(min_length=1, max_length=20)
    passport_series: str = Field(min_length=1, max_length=10)
    passport_number: str = Field(min_length=1, max_length=12)
    date_of_birth: BirthDate
    scans: list[ScanIn] = Field(default_factory=list, max_length=5)


class CheckPublic(BaseModel):
    name: str
    passed: bool
    detail: str
    # False: the check could not be made (the tax service stayed unavailable past its
    # deadline); the officer decides with it marked "not checked".
    checked: bool = True


class VerificationPublic(BaseModel):
    executor_id: str
    state: str
    round: int
    checks: list[CheckPublic]
    reason: str
    decided_by: str | None
    verified_until: datetime | None
    escalated: bool


class VerificationDecisionBody(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"approved": False, "reason": "Паспорт недействителен"}]},
    )

    approved: bool
    reason: Annotated[str, StringConstraints(max_length=1000), Clean] = ""


class VerificationOverviewPublic(BaseModel):
    executor_id: str
    full_name: str
    email: str
    state: str
    verified_until: datetime | None
    reason: str


class VerificationPage(BaseModel):
    items: list[VerificationOverviewPublic]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")


class DocumentPublic(BaseModel):
    id: str
    kind: Literal["act", "contract", "payout"]
    number: str
    version: int
    file_name: str
    sha256: str
    size: int
    created_at: datetime
    download_url: str


class PayoutPublic(BaseModel):
    request_id: str
    executor_id: str
    executor_name: str
    executor_inn: str | None
    gross: Decimal
    commission_rate: Decimal
    commission: Decimal
    net: Decimal
    currency: str
    recorded_on: date


class PayoutPage(BaseModel):
    items: list[PayoutPublic]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")

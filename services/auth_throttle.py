"""Throttles of sign-in and sign-up, kept in Redis so every API process shares them.

Sign-in never locks an account. Failures are counted per (account, client address):
after a few, that pair waits, and each further failure doubles the wait. Someone
guessing from one address therefore slows only themselves; the owner signing in from
another address is not affected. Spraying one password over many accounts is caught by
a per-address count. An account attacked from many addresses at once only gets slower
to answer for everyone (a fixed delay per attempt): refusing it would hand the attacker
a way to lock the owner out.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import math

from redis.asyncio import Redis

from core.logging import get_logger
from core.settings import AuthSettings
from services.errors import TooManyRequests

log = get_logger("services.auth_throttle")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode(errors="replace")).hexdigest()


def backoff_s(settings: AuthSettings, failures: int) -> int:
    """How long a pair waits once it has `failures` (>= the free ones) on record."""
    doublings = max(failures - settings.login_free_failures, 0)
    # Capped before the power is taken, so a long run of failures cannot overflow.
    doublings = min(doublings, 32)
    return min(settings.login_backoff_base_s << doublings, settings.login_backoff_max_s)


class LoginThrottle:
    def __init__(self, redis: Redis, settings: AuthSettings) -> None:
        self.redis = redis
        self.settings = settings

    async def admit(self, email: str, ip: str) -> None:
        """Let an attempt check its password, or refuse it with 429 and Retry-After.

        The attempt is counted before the password is checked, so parallel guesses cannot
        all slip in before the first failure is recorded."""
        s = self.settings
        pair, blocked, address, account = self._keys(email, ip)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(pair)
            pipe.expire(pair, s.login_window_s + s.login_backoff_max_s)
            pipe.pttl(blocked)
            pipe.incr(address)
            pipe.expire(address, s.login_window_s, nx=True)
            pipe.get(account)
            failures, _, blocked_ms, from_address, _, on_account = await pipe.execute()
        if int(blocked_ms) > 0:
            await self._give_back(pair, address)
            raise _refusal(_seconds(blocked_ms))
        if int(from_address) > s.login_max_failures_per_ip:
            await self.redis.decr(pair)
            raise _refusal(_seconds(await self.redis.pttl(address)))
        if int(failures) >= s.login_free_failures:
            # This attempt may still be right; the wait starts now so that concurrent
            # attempts of the same pair are refused while it is being checked.
            wait = backoff_s(s, int(failures))
            if not await self.redis.set(blocked, "1", nx=True, ex=wait):
                await self._give_back(pair, address)
                raise _refusal(_seconds(await self.redis.pttl(blocked)))
        if on_account is not None and int(on_account) > s.login_account_slowdown_after:
            log.warning("auth.account_under_attack", account=_digest(email)[:12])
            await asyncio.sleep(s.login_account_slowdown_s)

    async def failed(self, email: str, ip: str) -> None:
        _, _, _, account = self._keys(email, ip)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(account)
            pipe.expire(account, self.settings.login_window_s, nx=True)
            await pipe.execute()

    async def succeeded(self, email: str, ip: str) -> None:
        pair, blocked, address, _ = self._keys(email, ip)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(pair, blocked)
            pipe.decr(address)
            await pipe.execute()

    async def _give_back(self, pair: str, address: str) -> None:
        # A refused attempt checked no password: it must not lengthen the next wait.
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.decr(pair)
            pipe.decr(address)
            await pipe.execute()

    def _keys(self, email: str, client_ip: str) -> tuple[str, str, str, str]:
        ip = address_key(client_ip)
        account = _digest(email)
        return (
            f"sra:auth:failures:pair:{account}:{ip}",
            f"sra:auth:blocked:pair:{account}:{ip}",
            f"sra:auth:failures:ip:{ip}",
            f"sra:auth:failures:account-all:{account}",
        )


class RegistrationThrottle:
    """Each sign-up runs argon2: bounded per client address and per email address."""

    def __init__(self, redis: Redis, settings: AuthSettings) -> None:
        self.redis = redis
        self.settings = settings

    async def admit(self, email: str, ip: str) -> None:
        s = self.settings
        limits = (
            (f"sra:auth:register:ip:{address_key(ip)}", s.register_max_per_ip),
            (f"sra:auth:register:email:{_digest(email)}", s.register_max_per_email),
        )
        async with self.redis.pipeline(transaction=True) as pipe:
            for key, _ in limits:
                pipe.incr(key)
                pipe.expire(key, s.register_window_s, nx=True)
            counts = await pipe.execute()
        for (key, limit), count in zip(limits, counts[::2], strict=True):
            if int(count) > limit:
                raise _refusal(_seconds(await self.redis.pttl(key)), "sign-ups")


def address_key(ip: str) -> str:
    """The part of a client address one party controls: an IPv4 address, or the /64 of
    an IPv6 one (a single subscriber is given a whole /64, so counting each /128 apart
    would hand an attacker 2^64 fresh addresses)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # ::ffff:192.0.2.1 is the IPv4 address
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _seconds(milliseconds: int) -> int:
    # Rounded up: a client that waits as told must find the wait over.
    return math.ceil(int(milliseconds) / 1000)


def _refusal(retry_after_s: int, what: str = "sign-in attempts") -> TooManyRequests:
    return TooManyRequests(f"too many {what}; try again later", retry_after_s=max(retry_after_s, 1))

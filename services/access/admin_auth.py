"""Dashboard access: the admin password (argon2id), server-side sessions, login rate limits.

A session id lives only in the browser's cookie; Redis keeps its SHA-256, the
user, a CSRF token, its creation and last-use times, and the user's session
generation when it was created. "Log out everywhere" bumps the generation, so
every older session stops counting at once, in every instance.

Login attempts are reserved before the password is checked, in one atomic step
that refuses when a counter is at its limit: parallel guesses never get more
evaluations than the limit. The password is always checked, whatever the user
name, so the time of an answer says nothing about the name. A browser that signed
in before carries a device cookie (OWASP's device cookies): its attempts count
against that device only, so guesses from elsewhere cannot lock the admin out of it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import redis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

from config.keys import Keys
from services.errors import ServiceError

# Reserve one attempt in every counter, or refuse without counting when one is at its limit.
# Fixed windows starting at the first attempt (works on Redis 6.2).
# KEYS: counters; ARGV: window, then one limit per counter. Returns {0} or {index, ttl}.
_RESERVE_ATTEMPT = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i + 1]) then
    return {i, redis.call('TTL', key)}
  end
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[1]) end
end
return {0}
"""
DEVICE_TTL = 90 * 86400  # a browser that signed in is trusted this long after its last login


class InvalidCredentials(ServiceError):
    http_status = 401
    code = "invalid_credentials"


class TooManyAttempts(ServiceError):
    http_status = 429
    code = "too_many_attempts"


@dataclass(frozen=True)
class SessionPolicy:
    idle_seconds: int
    max_seconds: int
    limit_per_ip: int
    limit_per_account: int
    limit_window: int


@dataclass(frozen=True)
class Counter:
    key: str
    limit: int
    forget: str  # on success: "reset" the counter, or "undo" this attempt only


@dataclass(frozen=True)
class LoginResult:
    sid: str
    session: AdminSession
    device: str | None  # a new device token for the browser's cookie, when it had none


@dataclass(frozen=True)
class AdminSession:
    user: str
    csrf: str
    created_at: float
    expires_at: float


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


WERKZEUG_METHODS = ("pbkdf2:", "scrypt:")
"""The old router's password hashes (werkzeug's), kept as they are and checked by werkzeug."""


def password_hash(password: str, hasher: PasswordHasher) -> str:
    """An argon2id hash: the value itself when the operator already gives one (argon2id, or
    the old router's werkzeug hash)."""
    if password.startswith(("$argon2id$", *WERKZEUG_METHODS)):
        return password
    return hasher.hash(password)


class AdminAuth:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        user: str,
        password: str,
        policy: SessionPolicy,
        clock: Callable[[], float],
    ) -> None:
        self._redis = client
        self._keys = keys
        self._user = user
        self._hasher = PasswordHasher()  # argon2id with the library's current parameters
        self._password = password
        self._policy = policy
        self._clock = clock
        self._reserve = client.register_script(_RESERVE_ATTEMPT)

    @functools.cached_property
    def _hash(self) -> str:
        """The password's hash, made at the first sign-in rather than at start: a plain
        password costs argon2 ~0.15 s, which every worker paid before answering anything."""
        return password_hash(self._password, self._hasher)

    # -- login ------------------------------------------------------------

    def login(
        self, user: str, password: str, client_ip: str, device: str | None = None
    ) -> LoginResult:
        """A new session, or InvalidCredentials / TooManyAttempts. `device` is the browser's
        device cookie: a device that signed in before has a limit of its own."""
        trusted = device is not None and self._trusted_device(device)
        counters = (
            self._device_counters(device) if device and trusted else self._counters(user, client_ip)
        )
        self._reserve_attempt(counters)
        # Both checks always run: the answer takes as long whatever the user name.
        user_ok = self._user_matches(user)
        password_ok = self._password_matches(password)
        if not (user_ok and password_ok):
            raise InvalidCredentials("wrong user name or password")
        self._forget(counters)
        sid, session = self.open_session(self._user)
        return LoginResult(sid, session, None if trusted else self._new_device())

    def _counters(self, user: str, client_ip: str) -> list[Counter]:
        return [
            Counter(self._keys.login_failures("ip", client_ip), self._policy.limit_per_ip, "undo"),
            Counter(
                self._keys.login_failures("user", sha256(user.lower())),
                self._policy.limit_per_account,
                "reset",
            ),
        ]

    def _device_counters(self, device: str) -> list[Counter]:
        key = self._keys.login_failures("device", sha256(device))
        return [Counter(key, self._policy.limit_per_account, "reset")]

    def _reserve_attempt(self, counters: list[Counter]) -> None:
        refused = self._reserve(
            keys=[c.key for c in counters],
            args=[self._policy.limit_window, *(c.limit for c in counters)],
        )
        if int(refused[0]):
            raise TooManyAttempts(
                "too many failed logins; try again later", retry_after=max(1, int(refused[1]))
            )

    def _forget(self, counters: list[Counter]) -> None:
        """A successful login was no failure: take its reserved attempt back."""
        pipe = self._redis.pipeline(transaction=False)
        for counter in counters:
            if counter.forget == "reset":
                pipe.delete(counter.key)
            else:
                pipe.decr(counter.key)
        pipe.execute()

    def _trusted_device(self, device: str) -> bool:
        if len(device) > 200:
            return False
        return bool(self._redis.exists(self._keys.trusted_device(sha256(device))))

    def _new_device(self) -> str:
        token = secrets.token_urlsafe(32)
        self._redis.set(self._keys.trusted_device(sha256(token)), self._user, ex=DEVICE_TTL)
        return token

    def _user_matches(self, user: str) -> bool:
        return hmac.compare_digest(user.encode("utf-8", "surrogatepass"), self._user.encode())

    def _password_matches(self, password: str) -> bool:
        if self._hash.startswith(WERKZEUG_METHODS):
            return check_password_hash(self._hash, password)
        try:
            return bool(self._hasher.verify(self._hash, password))
        except (VerificationError, InvalidHashError):
            return False

    # -- sessions ---------------------------------------------------------

    def open_session(self, user: str) -> tuple[str, AdminSession]:
        sid = secrets.token_urlsafe(32)
        now = self._clock()
        session = AdminSession(user, secrets.token_urlsafe(32), now, now + self._policy.max_seconds)
        generation = self._redis.get(self._keys.session_generation(user)) or "0"
        key = self._keys.session(sha256(sid))
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(
            key,
            mapping={
                "user": user,
                "csrf": session.csrf,
                "created_at": now,
                "last_seen": now,
                "generation": generation,
            },
        )
        pipe.expire(key, self._ttl(now, now))
        pipe.execute()
        return sid, session

    def _ttl(self, created: float, now: float) -> int:
        return max(1, int(min(self._policy.idle_seconds, created + self._policy.max_seconds - now)))

    def session(self, sid: str | None) -> AdminSession | None:
        """The live session behind a cookie value, refreshed; None when absent or expired."""
        if not sid or len(sid) > 200:
            return None
        key = self._keys.session(sha256(sid))
        raw = self._redis.hgetall(key)
        if not raw:
            return None
        user = str(raw["user"])
        created, last_seen = float(raw["created_at"]), float(raw["last_seen"])
        now = self._clock()
        if not self._valid(user, str(raw.get("generation", "0")), created, last_seen, now):
            self._redis.delete(key)
            return None
        pipe = self._redis.pipeline(transaction=False)
        pipe.hset(key, "last_seen", now)
        pipe.expire(key, self._ttl(created, now))
        pipe.execute()
        return AdminSession(user, str(raw["csrf"]), created, created + self._policy.max_seconds)

    def _valid(
        self, user: str, generation: str, created: float, last_seen: float, now: float
    ) -> bool:
        if now - last_seen > self._policy.idle_seconds:
            return False
        if now - created > self._policy.max_seconds:
            return False
        current = self._redis.get(self._keys.session_generation(user)) or "0"
        return str(current) == str(generation)

    def logout(self, sid: str | None) -> None:
        if sid:
            self._redis.delete(self._keys.session(sha256(sid)))

    def logout_everywhere(self, user: str) -> None:
        """Every session of `user` opened before now stops working, in every instance."""
        self._redis.incr(self._keys.session_generation(user))

"""Refresh tokens at rest: encrypted with Fernet under RELAIS_ENCRYPTION_KEY.

A token is only ever decrypted in memory to ask Google for an access token; it is never
logged, returned by the API or exported.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from services.errors import Conflict


class TokenKeyMissing(Conflict):
    """No usable RELAIS_ENCRYPTION_KEY: a mailbox cannot be connected."""

    code = "encryption_key_missing"


class TokenUnreadable(Exception):
    """A stored token does not decrypt (the key changed): the mailbox must be reconnected."""


class TokenBox:
    """Encrypts and decrypts refresh tokens; `None` key: nothing can be stored."""

    def __init__(self, key: str | None) -> None:
        self._fernet: Fernet | None = None
        if key:
            try:
                self._fernet = Fernet(key.encode())
            except ValueError:
                self._fernet = None  # malformed: reported by `usable`, never echoed

    @property
    def usable(self) -> bool:
        return self._fernet is not None

    def require(self) -> Fernet:
        """The key, or TokenKeyMissing saying what to set."""
        if self._fernet is None:
            raise TokenKeyMissing(
                "set RELAIS_ENCRYPTION_KEY (32 random bytes, URL-safe base64) to connect a "
                "mailbox: its refresh token is stored encrypted"
            )
        return self._fernet

    def seal(self, token: str) -> str:
        return self.require().encrypt(token.encode()).decode()

    def open(self, sealed: str) -> str:
        if self._fernet is None:
            raise TokenUnreadable("RELAIS_ENCRYPTION_KEY is not set")
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise TokenUnreadable("the stored token does not match RELAIS_ENCRYPTION_KEY") from exc

"""Magic links: sign in without the password, from a link an admin created.

Tokens carry 256 bits and are stored hashed. A one-shot link lives at most 15
minutes and is consumed atomically; a named link lives longer, can be used
until it expires or is revoked, and is listed. Consuming needs a POST (from
the confirmation page): a GET, as sent by mail scanners, consumes nothing.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import redis

from config.keys import Keys
from services.access.admin_auth import sha256
from services.errors import NotFound

NAMED_MAX_DAYS = 365

# KEYS[1] = link hash, KEYS[2] = index ; ARGV: now, token hash
_CONSUME = """
local raw = redis.call('HGETALL', KEYS[1])
if #raw == 0 then return nil end
local link = {}
for i = 1, #raw, 2 do link[raw[i]] = raw[i + 1] end
if tonumber(link['expires_at']) <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
  return nil
end
if link['one_shot'] == '1' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[2])
else
  redis.call('HINCRBY', KEYS[1], 'uses', 1)
  redis.call('HSET', KEYS[1], 'last_used_at', ARGV[1])
end
return cjson.encode(link)
"""


@dataclass(frozen=True)
class MagicLink:
    id: str
    name: str
    one_shot: bool
    created_at: float
    expires_at: float
    uses: int
    created_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "one_shot": self.one_shot,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "uses": self.uses,
            "created_by": self.created_by,
        }


def _link(token_hash: str, raw: Mapping[Any, Any]) -> MagicLink:
    return MagicLink(
        id=token_hash[:16],
        name=str(raw.get("name", "")),
        one_shot=str(raw.get("one_shot")) == "1",
        created_at=float(raw["created_at"]),
        expires_at=float(raw["expires_at"]),
        uses=int(raw.get("uses") or 0),
        created_by=str(raw.get("created_by", "")),
    )


class MagicLinks:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        one_shot_ttl: int,
        clock: Callable[[], float],
    ) -> None:
        self._redis = client
        self._keys = keys
        self._one_shot_ttl = one_shot_ttl
        self._clock = clock
        self._consume = client.register_script(_CONSUME)

    def create(
        self, *, created_by: str, name: str = "", days: int | None = None
    ) -> tuple[str, MagicLink]:
        """A new link: one-shot when `days` is None, else named and valid for `days`."""
        token = secrets.token_urlsafe(32)
        token_hash = sha256(token)
        now = self._clock()
        one_shot = days is None
        ttl = self._one_shot_ttl if one_shot else min(days or 1, NAMED_MAX_DAYS) * 86400
        fields: dict[Any, Any] = {
            "name": name,
            "one_shot": "1" if one_shot else "0",
            "created_at": now,
            "expires_at": now + ttl,
            "uses": 0,
            "created_by": created_by,
        }
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._keys.magic_link(token_hash), mapping=fields)
        pipe.expire(self._keys.magic_link(token_hash), int(ttl) + 60)
        pipe.zadd(self._keys.magic_links_index, {token_hash: now + ttl})
        pipe.execute()
        return token, _link(token_hash, fields)

    def peek(self, token: str) -> MagicLink | None:
        """The link behind a token, without consuming it (the confirmation page)."""
        token_hash = sha256(token)
        raw = self._redis.hgetall(self._keys.magic_link(token_hash))
        if not raw or float(raw["expires_at"]) <= self._clock():
            return None
        return _link(token_hash, raw)

    def consume(self, token: str) -> MagicLink | None:
        """Use a link (atomically; a one-shot link works once); None when invalid or used."""
        if not token or len(token) > 200:
            return None
        token_hash = sha256(token)
        raw = self._consume(
            keys=[self._keys.magic_link(token_hash), self._keys.magic_links_index],
            args=[self._clock(), token_hash],
        )
        return _link(token_hash, json.loads(raw)) if raw else None

    def list(self) -> list[MagicLink]:
        """Links that have not expired, newest last."""
        now = self._clock()
        self._redis.zremrangebyscore(self._keys.magic_links_index, "-inf", now)
        hashes = [str(h) for h in self._redis.zrange(self._keys.magic_links_index, 0, -1)]
        pipe = self._redis.pipeline(transaction=False)
        for token_hash in hashes:
            pipe.hgetall(self._keys.magic_link(token_hash))
        found = [_link(h, raw) for h, raw in zip(hashes, pipe.execute(), strict=True) if raw]
        return sorted(found, key=lambda link: link.created_at)

    def revoke(self, link_id: str) -> MagicLink:
        """Delete a link by its listed id; NotFound when there is none."""
        hashes = [str(h) for h in self._redis.zrange(self._keys.magic_links_index, 0, -1)]
        token_hash = next((h for h in hashes if len(link_id) == 16 and h.startswith(link_id)), None)
        raw = self._redis.hgetall(self._keys.magic_link(token_hash)) if token_hash else None
        if not token_hash or not raw:
            raise NotFound("no such magic link")
        pipe = self._redis.pipeline(transaction=True)
        pipe.delete(self._keys.magic_link(token_hash))
        pipe.zrem(self._keys.magic_links_index, token_hash)
        pipe.execute()
        return _link(token_hash, raw)

    def revoke_all(self) -> int:
        """Delete every link ("log out everywhere" leaves no way back in); how many went."""
        hashes = [str(h) for h in self._redis.zrange(self._keys.magic_links_index, 0, -1)]
        pipe = self._redis.pipeline(transaction=True)
        for token_hash in hashes:
            pipe.delete(self._keys.magic_link(token_hash))
        pipe.delete(self._keys.magic_links_index)
        deleted = pipe.execute()
        return sum(int(n) for n in deleted[:-1])

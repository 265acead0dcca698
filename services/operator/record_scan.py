"""The delivery lists' filter, run inside Redis: one batch of the time index per call.

A filtered list or a search looks at every delivery in its time range to count its matches.
Read from Python, that is one HMGET per delivery (about 13 µs each with the client's own
work); inside Redis, about 3 µs. The script reads a batch of the index (newest first), the
few fields the filter looks at, and answers how many it looked at and the ids it matched.
It only reads. The same filter in Python (records.DeliveryFilter.matches) serves the queued
states and the searches this script cannot fold (see `foldable`).

The search folds case the way the script can: ASCII letters and the accented capitals of
Latin-1 (À-Þ: every French one but Œ and Ÿ). A search holding another non-ASCII letter is
matched in Python instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis

from config.keys import Keys

BATCH = 2_000
"""Index entries per call (a few milliseconds of Redis time)."""

# KEYS: the deliveries' time index
# A: high, low (scores), start, count, t (key templates), f (the filter: state, target,
#    rule, detector, email_id, q, q_folded; absent = any), skip, take (matches to pass over,
#    then at most how many ids to return)
# Returns {entries looked at, matches, id, id...}.
SCRIPT = r"""
local A = cjson.decode(ARGV[1])
local F = A.f
local ids = redis.call('ZREVRANGEBYSCORE', KEYS[1], A.high, A.low, 'LIMIT', A.start, A.count)
local function capital(c) return '\195' .. string.char(string.byte(c) + 32) end
local CAPITALS = '\195([\128-\150\152-\158])'
local function fold(s)
  s = string.lower(s)
  if not string.find(s, '\195', 1, true) then return s end
  return (string.gsub(s, CAPITALS, capital))
end
local function has_rule(rules)
  if not rules then return false end
  for rule in string.gmatch(rules, '[^,]+') do
    if rule == F.rule then return true end
  end
  return false
end
-- Only the fields the filter looks at are read (`id` tells a record that expired).
local names, at = {}, {}
local function need(name)
  if not at[name] then names[#names + 1] = name; at[name] = #names end
end
need('id')
for _, pair in ipairs({{'state', 'state'}, {'target', 'target_id'}, {'rule', 'rules'},
    {'detector', 'detector'}, {'email_id', 'email_id'}}) do
  if F[pair[1]] then need(pair[2]) end
end
if F.q then need('email_id'); need('subject'); need('webhook_id') end
local function found(v)
  if v[at.id] == F.q or v[at.email_id] == F.q or v[at.webhook_id] == F.q then return true end
  local subject = v[at.subject]
  return subject ~= false and string.find(fold(subject), F.q_folded, 1, true) ~= nil
end
local function matches(v)
  if not v[1] then return false end
  if F.state and v[at.state] ~= F.state then return false end
  if F.target and v[at.target_id] ~= F.target then return false end
  if F.rule and not has_rule(v[at.rules]) then return false end
  if F.detector and v[at.detector] ~= F.detector then return false end
  if F.email_id and v[at.email_id] ~= F.email_id then return false end
  return F.q == nil or found(v)
end
local out, matched = {#ids, 0}, 0
for _, id in ipairs(ids) do
  if matches(redis.call('HMGET', string.format(A.t.delivery, id), unpack(names))) then
    matched = matched + 1
    if matched > A.skip and #out - 2 < A.take then out[#out + 1] = id end
  end
end
out[2] = matched
return out
"""


def foldable(q: str) -> bool:
    """Whether the script folds the case of this search as Python's lower() does: ASCII and
    the Latin-1 letters (their capitals À-Þ are folded, the small ones need nothing)."""
    # the multiplication and division signs (U+00D7, U+00F7) are not letters
    return all(ord(c) < 0x80 or (0xC0 <= ord(c) <= 0xFE and c not in "\u00d7\u00f7") for c in q)


def fold(text: str) -> str:
    """The case folding of the script, in Python (for the search it is given)."""
    return text.lower()


@dataclass(frozen=True)
class ScanFilter:
    """What the script compares (None: any)."""

    state: str | None = None
    target: str | None = None
    rule: str | None = None
    detector: str | None = None
    email_id: str | None = None
    q: str | None = None

    def to_arg(self) -> dict[str, Any]:
        chosen = {
            "state": self.state,
            "target": self.target,
            "rule": self.rule,
            "detector": self.detector,
            "email_id": self.email_id,
            "q": self.q,
        }
        arg = {name: value for name, value in chosen.items() if value is not None}
        if self.q is not None:
            arg["q_folded"] = fold(self.q)
        return arg


@dataclass(frozen=True)
class Window:
    """One call's part of the index and of its matches."""

    high: Any  # scores, "+inf" / "-inf" for no bound
    low: Any
    start: int
    skip: int = 0
    take: int = BATCH
    count: int = BATCH

    def to_arg(self) -> dict[str, Any]:
        return {
            "high": str(self.high),
            "low": str(self.low),
            "start": self.start,
            "count": self.count,
            "skip": self.skip,
            "take": self.take,
        }


class DeliveryScan:
    """Batches of the deliveries' time index, filtered inside Redis."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self._keys = keys
        self._script = client.register_script(SCRIPT)
        self._templates = keys.lua_templates

    def batch(self, flt: ScanFilter, window: Window) -> tuple[int, int, list[str]]:
        """Entries [start, start + count) of the index within (high, low) scores: how many
        there were, how many the filter matches, and the ids of the matches after the first
        `skip`, at most `take` of them, newest first."""
        arg = {**window.to_arg(), "t": self._templates, "f": flt.to_arg()}
        reply = self._script(keys=[self._keys.deliveries_index], args=[json.dumps(arg)])
        return int(reply[0]), int(reply[1]), [str(i) for i in reply[2:]]

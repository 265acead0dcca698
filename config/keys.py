"""Every Redis key Relais uses, and its TTL, in one place.

All keys live under one prefix (REDIS_KEY_PREFIX, default ``relais:``), so one
Redis can serve several deployments and an operator can see at a glance what
belongs to Relais.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86400

# TTLs (seconds). Day-based ones are multiplied from settings where an operator
# can change them (dedup, retention); the rest are fixed here.
WAKE_LIST_MAX = 1000  # the workers' doorbell list is trimmed to this length
STATS_TTL = 8 * DAY  # hourly counters cover the dashboard's 7-day chart
AUDIT_MAX_ENTRIES = 10_000
# R2 offload: a failed copy is not retried for this long (a retry does not redownload a
# file that is too large every few seconds); a clean-up run holds its lock at most this long.
R2_FAILURE_TTL = 600
RECONCILE_LOCK_TTL = 120
EMAIL_LOCK_TTL = 30
HEALTH_TTL = 90 * DAY  # a target's last-attempt record outlives quiet months
# Per-target attempt counters: hourly ones cover the last 24 h (with a margin), daily ones 7 days.
TARGET_STATS_HOUR_TTL = 2 * DAY
TARGET_STATS_DAY_TTL = 8 * DAY
R2_CLEANUP_LOCK_TTL = 900
# Gmail API: a consent in progress (state, PKCE verifier) lives this long. (A sync's lock
# lives WORKER_LEASE_SECONDS, renewed before each message.)
GMAIL_OAUTH_TTL = 600


def r2_reuse_ttl(retention_seconds: int) -> int:
    """How long a copy is reused: its lifetime minus a margin to download a reused URL."""
    # The margin is 1 h, or a quarter of a retention shorter than 4 h.
    return retention_seconds - min(3600, retention_seconds // 4)


@dataclass(frozen=True)
class Keys:
    """Key names under one prefix. Build once per app from settings."""

    prefix: str

    # config documents: relais:config:<name>  (JSON {version, updated_at, data})
    def config(self, name: str) -> str:
        return f"{self.prefix}config:{name}"

    # dedup claims: relais:seen:<email_id> -> ingest timestamp, TTL = dedup days
    def seen(self, email_id: str) -> str:
        return f"{self.prefix}seen:{email_id}"

    # stored email: hash {meta (JSON), body, plain_body}, TTL = retention
    def email(self, email_id: str) -> str:
        return f"{self.prefix}email:{email_id}"

    @property
    def emails_index(self) -> str:
        """ZSET email_id -> ingest time, newest last; pruned by retention."""
        return f"{self.prefix}emails"

    # delivery record (the queue item): hash, TTL = retention once finished
    def delivery(self, delivery_id: str) -> str:
        return f"{self.prefix}delivery:{delivery_id}"

    def delivery_attempts(self, delivery_id: str) -> str:
        """LIST of attempt JSON documents, oldest first."""
        return f"{self.prefix}delivery:{delivery_id}:attempts"

    @property
    def deliveries_index(self) -> str:
        """ZSET delivery_id -> creation time, for listing."""
        return f"{self.prefix}deliveries"

    @property
    def queue_scheduled(self) -> str:
        """ZSET delivery_id -> due time (scheduled, retrying and held deliveries)."""
        return f"{self.prefix}q:scheduled"

    @property
    def queue_scheduled_high(self) -> str:
        """ZSET like queue_scheduled, for high-priority deliveries (claimed first)."""
        return f"{self.prefix}q:scheduled:high"

    @property
    def queue_leased(self) -> str:
        """ZSET delivery_id -> lease expiry (deliveries a worker is attempting)."""
        return f"{self.prefix}q:leased"

    @property
    def queue_dead(self) -> str:
        """ZSET delivery_id -> time it died."""
        return f"{self.prefix}q:dead"

    @property
    def queue_held(self) -> str:
        """ZSET delivery_id -> time it began to wait: the waitlist of deliveries whose target
        is missing or switched off."""
        return f"{self.prefix}q:held"

    @property
    def parked(self) -> str:
        """ZSET email_id -> ingest time: emails that no target could take (status parked)."""
        return f"{self.prefix}emails:parked"

    @property
    def queue_wake(self) -> str:
        """LIST the ingest pushes to, so idle workers wake at once (BLPOP)."""
        return f"{self.prefix}q:wake"

    def stats_hour(self, hour_epoch: int) -> str:
        """HASH counters for one UTC hour (field: status or status:target)."""
        return f"{self.prefix}stats:{hour_epoch}"

    @property
    def lua_templates(self) -> dict[str, str]:
        """Keys a queue script builds from an id it reads (`string.format` templates with
        `%s` placeholders; services/delivery/scripts.py)."""
        k = Keys(self.prefix.replace("%", "%%"))
        return {
            "delivery": k.delivery("%s"),
            "attempts": k.delivery_attempts("%s"),
            "email": k.email("%s"),
            "inflight": k.in_flight("%s"),
            "circuit": k.circuit("%s"),
            "rate_minute": k.rate_minute("%s", "%s"),
            "rate_hour": k.rate_hour("%s", "%s"),
        }

    # Per-target isolation (the claim, complete and release scripts):
    def in_flight(self, target_id: str) -> str:
        """INT attempts under way to a target (cap TARGET_MAX_IN_FLIGHT)."""
        return f"{self.prefix}inflight:{target_id}"

    def circuit(self, target_id: str) -> str:
        """HASH circuit breaker {failures, opens, open_until, probe_until}."""
        return f"{self.prefix}cb:{target_id}"

    def target_health(self, target_id: str) -> str:
        """HASH of the last real attempt to a target (delivery or test send): last_attempt_at,
        last_ok ('1'/'0'), last_error, last_status_code, last_ok_at."""
        return f"{self.prefix}health:{target_id}"

    def target_stats_hour(self, target_id: str, hour_epoch: int) -> str:
        """HASH of one target's attempts in one UTC hour: attempts, ok, failed, latency_sum_ms,
        latency_count and the latency histogram's `le_<ms>` counters (TTL TARGET_STATS_HOUR_TTL)."""
        return f"{self.prefix}tstats:{target_id}:h:{hour_epoch}"

    def target_stats_day(self, target_id: str, day_epoch: int) -> str:
        """HASH like target_stats_hour for one UTC day (TTL TARGET_STATS_DAY_TTL)."""
        return f"{self.prefix}tstats:{target_id}:d:{day_epoch}"

    # The reconciler (services/operator/waiting.py): the config versions it applied, its lock.
    @property
    def reconcile_versions(self) -> str:
        """HASH document name -> version the last complete reconcile pass applied."""
        return f"{self.prefix}reconcile:versions"

    @property
    def reconcile_lock(self) -> str:
        """Held while one process reconciles (TTL RECONCILE_LOCK_TTL)."""
        return f"{self.prefix}reconcile:lock"

    def email_lock(self, email_id: str) -> str:
        """Held while one email is re-routed (TTL EMAIL_LOCK_TTL)."""
        return f"{self.prefix}lock:email:{email_id}"

    # Rate-limit counters (the claim script): TTL 120 s and 7200 s.
    def rate_minute(self, target_id: str, minute: int | str) -> str:
        return f"{self.prefix}rl:{target_id}:m:{minute}"

    def rate_hour(self, target_id: str, hour: int | str) -> str:
        return f"{self.prefix}rl:{target_id}:h:{hour}"

    # Admin access ---------------------------------------------------------

    def session(self, sid_hash: str) -> str:
        """HASH of one dashboard session (key = sha256 of the cookie), TTL = idle lifetime."""
        return f"{self.prefix}session:{sid_hash}"

    def session_generation(self, user: str) -> str:
        """INT bumped by "log out everywhere": older sessions no longer count."""
        return f"{self.prefix}session_gen:{user}"

    def login_failures(self, scope: str, value: str) -> str:
        """INT login attempts per client IP, account or trusted device in the current window
        (TTL = window); a successful login takes its attempt back."""
        return f"{self.prefix}login_fail:{scope}:{value}"

    def trusted_device(self, token_hash: str) -> str:
        """A browser that signed in (key = sha256 of its device cookie): its login attempts
        count against itself only. TTL DEVICE_TTL (services/access/admin_auth.py)."""
        return f"{self.prefix}device:{token_hash}"

    def magic_link(self, token_hash: str) -> str:
        """HASH of one magic link (key = sha256 of the token), TTL = its lifetime."""
        return f"{self.prefix}magic:{token_hash}"

    @property
    def magic_links_index(self) -> str:
        """ZSET token hash -> expiry, for listing and revoking."""
        return f"{self.prefix}magic_links"

    @property
    def audit_log(self) -> str:
        """LIST of audit entries (JSON), newest first, capped."""
        return f"{self.prefix}audit"

    # R2 offload (services/offload/service.py); <source> = sha256 of the source URL.
    def r2_source(self, source_hash: str) -> str:
        """JSON copy (object key, file name, URL) or failure; TTL r2_reuse_ttl / R2_FAILURE_TTL."""
        return f"{self.prefix}r2:src:{source_hash}"

    def r2_copy_lock(self, source_hash: str) -> str:
        """One copier per source across processes; TTL = the copy's timeout + a margin."""
        return f"{self.prefix}r2:lock:{source_hash}"

    @property
    def r2_cleanup_lock(self) -> str:
        """Held while a clean-up runs (one at a time); TTL R2_CLEANUP_LOCK_TTL."""
        return f"{self.prefix}r2:cleanup:lock"

    @property
    def r2_cleanup_due(self) -> str:
        """Set by the periodic clean-up; no new periodic run while it lives (TTL = interval)."""
        return f"{self.prefix}r2:cleanup:due"

    @property
    def r2_stats(self) -> str:
        """HASH of offload counters (copied, reused, failed, failed:<reason>...), no TTL."""
        return f"{self.prefix}r2:stats"

    # Gmail API push (services/gmail/)
    def gmail_mailbox(self, address: str) -> str:
        """HASH of one connected mailbox (state, encrypted token, history id, watch), no TTL."""
        return f"{self.prefix}gmail:mailbox:{address}"

    @property
    def gmail_mailboxes(self) -> str:
        """SET of the connected mailboxes' addresses."""
        return f"{self.prefix}gmail:mailboxes"

    @property
    def gmail_due(self) -> str:
        """ZSET address -> when its next sync is due (now on a push; the fallback poll else)."""
        return f"{self.prefix}gmail:due"

    @property
    def gmail_wake(self) -> str:
        """LIST the sync thread blocks on: a push rings it."""
        return f"{self.prefix}gmail:wake"

    def gmail_sync_lock(self, address: str) -> str:
        return f"{self.prefix}gmail:lock:{address}"

    def gmail_oauth(self, state_hash: str) -> str:
        """A consent in progress: its PKCE verifier and the admin session that started it."""
        return f"{self.prefix}gmail:oauth:{state_hash}"

    @property
    def last_ingress(self) -> str:
        return f"{self.prefix}last_ingress"

    @property
    def probe(self) -> str:
        """Key written by readiness checks (never read back)."""
        return f"{self.prefix}probe"

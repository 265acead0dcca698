"""The access facade: sign-in and sessions, magic links, the ingress token, the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis
from pydantic import SecretStr

from config.keys import Keys
from config.settings import Settings
from services.access.admin_auth import AdminAuth, SessionPolicy
from services.access.audit import AuditLog
from services.access.ingress_auth import IngressAuth
from services.access.magic_links import MagicLinks


@dataclass
class Access:
    audit: AuditLog
    admin_auth: AdminAuth
    magic_links: MagicLinks
    ingress_auth: IngressAuth


def secret_value(secret: SecretStr | None) -> str:
    if secret is None:
        raise ValueError("a required secret is missing (complete_secrets runs first)")
    return secret.get_secret_value()


def build(
    settings: Settings, client: redis.Redis, keys: Keys, clock: Callable[[], float]
) -> Access:
    audit = AuditLog(client, keys, clock)
    policy = SessionPolicy(
        idle_seconds=settings.session_idle_minutes * 60,
        max_seconds=settings.session_max_hours * 3600,
        limit_per_ip=settings.login_limit_per_ip,
        limit_per_account=settings.login_limit_per_account,
        limit_window=settings.login_limit_window_seconds,
    )
    password = secret_value(settings.dashboard_password)
    tokens = [
        s.get_secret_value()
        for s in (settings.process_api_token, settings.process_api_token_previous)
        if s is not None
    ]
    hmac_secret = settings.ingress_hmac_secret
    return Access(
        audit=audit,
        admin_auth=AdminAuth(client, keys, settings.dashboard_user, password, policy, clock),
        magic_links=MagicLinks(client, keys, settings.magic_link_ttl_minutes * 60, clock),
        ingress_auth=IngressAuth(
            tokens,
            hmac_secret.get_secret_value() if hmac_secret else None,
            settings.ingress_hmac_window_seconds,
            clock,
        ),
    )

"""The access facade: sign-in and sessions, magic links, the ingress token, the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import redis
from pydantic import SecretStr

from config.keys import Keys
from config.settings import Settings
from services.access.admin_auth import AdminAuth, AdminSession, LoginResult, SessionPolicy
from services.access.audit import AuditLog
from services.access.ingress_auth import IngressAuth
from services.access.magic_links import MagicLink, MagicLinks


@dataclass
class Access:
    """Who may do what. The actions an operator takes here are audited here."""

    audit: AuditLog
    admin_auth: AdminAuth
    magic_links: MagicLinks
    ingress_auth: IngressAuth

    def login(self, user: str, password: str, client_ip: str, device: str | None) -> LoginResult:
        """A session for the right user name and password (InvalidCredentials or
        TooManyAttempts otherwise), audited."""
        result = self.admin_auth.login(user, password, client_ip, device)
        self.audit.record(result.session.user, "login", "session", detail="password")
        return result

    def login_with_link(self, token: str, user: str) -> tuple[str, AdminSession] | None:
        """A session for a magic link's token (used up when one-shot), audited; None when
        the link is unknown, used or expired."""
        link = self.magic_links.consume(token)
        if link is None:
            return None
        sid, session = self.admin_auth.open_session(user)
        self.audit.record(session.user, "login", "session", detail=f"magic link {link.id}")
        return sid, session

    def logout_everywhere(self, user: str) -> int:
        """Close every session of `user` and revoke every magic link; how many links went."""
        self.admin_auth.logout_everywhere(user)
        revoked = self.magic_links.revoke_all()
        self.audit.record(
            user, "logout_everywhere", "session", detail=f"{revoked} magic links revoked"
        )
        return revoked

    def create_link(self, actor: str, name: str, days: int | None) -> tuple[str, MagicLink]:
        """A new magic link (its token, shown once), audited."""
        token, link = self.magic_links.create(created_by=actor, name=name, days=days)
        self.audit.record(actor, "create", f"magic_link:{link.id}", None, link.to_dict())
        return token, link

    def revoke_link(self, actor: str, link_id: str) -> MagicLink:
        """Revoke a magic link at once (NotFound when there is none), audited."""
        link = self.magic_links.revoke(link_id)
        self.audit.record(actor, "revoke", f"magic_link:{link.id}", link.to_dict(), None)
        return link


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
    signing = settings.ingress_signing_secret
    return Access(
        audit=audit,
        admin_auth=AdminAuth(client, keys, settings.dashboard_user, password, policy, clock),
        magic_links=MagicLinks(client, keys, settings.magic_link_ttl_minutes * 60, clock),
        ingress_auth=IngressAuth(
            tokens,
            hmac_secret.get_secret_value() if hmac_secret else None,
            settings.ingress_hmac_window_seconds,
            clock,
            signing.get_secret_value() if signing else None,
        ),
    )

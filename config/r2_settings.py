"""Cross-field checks of the R2 offload settings: a misconfiguration stops the start."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from config.settings import Settings

_URL_SETTINGS = ("r2_fetch_endpoint", "r2_public_base_url", "r2_endpoint_url")
# What each mode cannot run without.
REQUIRED_BY_MODE = {
    "worker": ("r2_fetch_endpoint", "r2_fetch_token", "r2_bucket_name"),
    "direct": ("r2_endpoint_url", "r2_bucket_name", "r2_access_key_id", "r2_secret_access_key"),
}


def _present(value: Any) -> bool:
    if value is None:
        return False
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    return bool(str(value).strip())


def _check_urls(settings: Settings) -> None:
    for name in _URL_SETTINGS:
        value = getattr(settings, name)
        if value is None:
            continue
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{name.upper()} must be an absolute http(s) URL")
        if parts.scheme == "http" and not settings.private_targets_allowed:
            raise ValueError(f"{name.upper()} must use https (tokens and keys travel with it)")


def _check_test_sources(settings: Settings) -> None:
    if settings.r2_insecure_test_sources and not (
        settings.development and settings.private_targets_allowed
    ):
        raise ValueError(
            "R2_INSECURE_TEST_SOURCES is for tests only: it needs RELAIS_ENV=development "
            "and private targets allowed"
        )


def _check_budget(settings: Settings) -> None:
    """The offload wait plus the webhook POST must fit in the lease, or deliveries double."""
    budget = settings.r2_offload_timeout + settings.webhook_connect_timeout
    if budget + settings.webhook_timeout >= settings.worker_lease_seconds:
        raise ValueError(
            "R2_OFFLOAD_TIMEOUT + WEBHOOK_CONNECT_TIMEOUT + WEBHOOK_TIMEOUT must stay below "
            "WORKER_LEASE_SECONDS"
        )


def check_r2(settings: Settings) -> None:
    """Raise ValueError naming the variable when the R2 settings cannot work together."""
    _check_urls(settings)
    _check_test_sources(settings)
    if not settings.r2_fetch_enabled:
        return
    missing = [
        n.upper() for n in REQUIRED_BY_MODE[settings.r2_mode] if not _present(getattr(settings, n))
    ]
    if missing:
        raise ValueError(
            f"{', '.join(missing)} must be set when R2_FETCH_ENABLED=true "
            f"and R2_MODE={settings.r2_mode}"
        )
    _check_budget(settings)


def s3_credentials_set(settings: Settings) -> bool:
    """Whether Relais itself can reach the bucket (direct mode, or clean-up in worker mode)."""
    return all(_present(getattr(settings, n)) for n in REQUIRED_BY_MODE["direct"])

"""One typed settings object, read from the environment (prefix SMSCAST_) and validated at start."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]

_PLACEHOLDER_SECRETS = {"", "changeme", "secret", "dev", "development"}


class Settings(BaseSettings):
    """Everything smscast can be configured with. Secrets may also come from `<NAME>_FILE`."""

    model_config = SettingsConfigDict(env_prefix="SMSCAST_", extra="ignore")

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""  # empty: SQLite file under data_dir
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str = ""  # keys credential hashes and signatures; generated under data_dir in dev
    secret_key_file: Path | None = None
    default_region: str = "US"
    access_token_ttl_s: int = Field(3600, ge=60, le=86400)
    credential_cache_s: float = Field(10.0, ge=0, le=300)
    max_body_bytes: int = 5 * 1024 * 1024
    # Abuse limits (smscast.api.limits), per API process: with N processes, N times these.
    # Requests a second per API key, and the burst above that rate; 0 turns the limit off.
    # The default leaves one key the whole single-message ingest target (2,000 req/s).
    rate_limit_per_s: float = Field(2000.0, ge=0)
    rate_limit_burst: int = Field(4000, ge=1)
    # Failed authentications allowed per source address and per API key, refilled over the
    # window; past that, 429 until the budget refills. 0 turns the slowdown off.
    auth_failure_limit: int = Field(20, ge=0)
    auth_failure_window_s: float = Field(60.0, gt=0)
    limit_table_size: int = Field(10_000, ge=100)  # entries per table, oldest dropped first
    api_workers: int = Field(1, ge=1, le=64)
    log_level: str = "info"
    # Log lines: "json" (one object per line), "console" (readable), or "auto": JSON in
    # production, readable otherwise. Message bodies are left out unless log_bodies.
    log_format: Literal["auto", "json", "console"] = "auto"
    log_bodies: bool = False
    metrics_port: int | None = None  # `smscast worker` serves /metrics here when set

    # What `serve` embeds besides the API.
    embedded_worker: bool = True
    embedded_simulator: bool = True
    simulator_port: int = 2775

    # Links (smscast.links). Short URLs are `{short_url_base}/{code}`; empty means served by
    # smscast itself at http://{host}:{port}/l. A custom domain (https://sms.example) serves
    # codes at its root. Every character here is paid for in every message's segments.
    short_url_base: str = ""
    link_code_length: int = Field(7, ge=7, le=16)
    link_retention_days: int = Field(180, ge=1, le=3650)  # then the short URL answers 410
    click_flush_interval_s: float = Field(1.0, gt=0, le=60)

    # Webhooks (smscast.webhooks). URLs resolving to loopback, private, link-local, multicast
    # or cloud-metadata addresses are refused unless allowed here: comma-separated CIDRs,
    # addresses or host names ("10.0.0.0/8,hooks.internal").
    webhook_allow_hosts: str = ""
    webhook_timeout_s: float = Field(10.0, gt=0, le=120)  # one attempt: connect, send, answer
    webhook_concurrency: int = Field(200, ge=1, le=5000)  # requests in flight per sender
    webhook_retry_horizon_s: float = Field(86400.0, gt=0)  # retried this long, then dead
    webhook_backoff_base_s: float = Field(5.0, gt=0)  # the first retry waits about this long
    webhook_backoff_max_s: float = Field(3600.0, gt=0)  # and no retry waits longer
    webhook_secret_overlap_s: int = Field(86400, ge=0, le=7 * 86400)  # old secret still signs

    @model_validator(mode="after")
    def _load_secret(self) -> Settings:
        if self.secret_key_file is not None:
            self.secret_key = self.secret_key_file.read_text().strip()
        if self.env == "production" and self.secret_key.lower() in _PLACEHOLDER_SECRETS:
            raise ValueError("SMSCAST_SECRET_KEY must be set to a real secret in production")
        return self

    @model_validator(mode="after")
    def _check_short_url_base(self) -> Settings:
        base = self.short_url_base.rstrip("/")
        if base:
            parts = urlsplit(base)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("SMSCAST_SHORT_URL_BASE must be an http:// or https:// URL")
            if parts.query or parts.fragment or parts.path not in ("", "/l"):
                raise ValueError(
                    "SMSCAST_SHORT_URL_BASE serves codes at its root or under /l, nothing else"
                )
        self.short_url_base = base
        return self

    @model_validator(mode="after")
    def _check_webhook_allow_hosts(self) -> Settings:
        from ipaddress import ip_network

        for item in self.webhook_allow_hosts.replace(",", " ").split():
            if any(c in item for c in "/:") or item.replace(".", "").isdigit():
                try:
                    ip_network(item.strip("[]"), strict=False)
                except ValueError:
                    raise ValueError(f"SMSCAST_WEBHOOK_ALLOW_HOSTS: {item!r} is no CIDR") from None
        return self

    @property
    def resolved_short_url_base(self) -> str:
        """What every short URL starts with (no trailing slash)."""
        return self.short_url_base or f"http://{self.host}:{self.port}/l"

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL, with the async driver each backend needs."""
        url = self.database_url or f"sqlite:///{(self.data_dir / 'smscast.db').resolve()}"
        for prefix, driver in (
            ("postgresql://", "postgresql+asyncpg://"),
            ("postgres://", "postgresql+asyncpg://"),
            ("postgresql+psycopg://", "postgresql+asyncpg://"),
            ("sqlite://", "sqlite+aiosqlite://"),
        ):
            if url.startswith(prefix):
                return driver + url[len(prefix) :]
        return url

    def ensure_secret(self) -> str:
        """Return the secret key; in development, create one under data_dir on first use."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        self.secret_key = path.read_text().strip()
        return self.secret_key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

"""One typed settings object, read from the environment (prefix SMSCAST_) and validated at start."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    api_workers: int = Field(1, ge=1, le=64)
    log_level: str = "info"

    # What `serve` embeds besides the API.
    embedded_worker: bool = True
    embedded_simulator: bool = True
    simulator_port: int = 2775

    @model_validator(mode="after")
    def _load_secret(self) -> Settings:
        if self.secret_key_file is not None:
            self.secret_key = self.secret_key_file.read_text().strip()
        if self.env == "production" and self.secret_key.lower() in _PLACEHOLDER_SECRETS:
            raise ValueError("SMSCAST_SECRET_KEY must be set to a real secret in production")
        return self

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

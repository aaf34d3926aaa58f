"""The services of one process, built once from the settings and shared by API, worker and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from smscast.accounts.service import Credentials
from smscast.config import Settings
from smscast.db import Database
from smscast.messages.service import MessageService
from smscast.messages.writer import GroupWriter

__all__ = ["Services"]


@dataclass
class Services:
    settings: Settings
    db: Database
    credentials: Credentials
    writer: GroupWriter
    messages: MessageService

    @classmethod
    def build(cls, settings: Settings, *, pool_size: int = 10) -> Services:
        db = Database.from_settings(settings, pool_size=pool_size)
        writer = GroupWriter(db)
        return cls(
            settings=settings,
            db=db,
            credentials=Credentials(
                db,
                settings.ensure_secret(),
                token_ttl_s=settings.access_token_ttl_s,
                cache_s=settings.credential_cache_s,
            ),
            writer=writer,
            messages=MessageService(db, writer),
        )

    async def close(self) -> None:
        await self.writer.close()
        await self.db.dispose()

"""The services of one process, built once from the settings and shared by API, worker and CLI."""

from __future__ import annotations

from dataclasses import dataclass

from smscast.accounts.service import Credentials
from smscast.batches.processor import Processor
from smscast.batches.service import BatchService
from smscast.brands.service import BrandService
from smscast.campaigns.service import CampaignService
from smscast.config import Settings
from smscast.contacts.service import ContactService
from smscast.db import Database
from smscast.inbound.service import InboundService
from smscast.links.service import LinkService
from smscast.messages.service import MessageService
from smscast.messages.writer import GroupWriter
from smscast.optouts import Consent
from smscast.senders.pricing import PricingService
from smscast.senders.service import SenderService
from smscast.templates.service import TemplateService
from smscast.webhooks.service import WebhookService

__all__ = ["Services"]


@dataclass
class Services:
    settings: Settings
    db: Database
    credentials: Credentials
    writer: GroupWriter
    messages: MessageService
    links: LinkService
    consent: Consent  # opt-outs, subscriptions, accept-time rules
    inbound: InboundService  # MO messages, keywords, the carrier endpoint
    # Campaigns and what they send to (issue 5).
    brands: BrandService
    campaigns: CampaignService
    contacts: ContactService
    templates: TemplateService
    senders: SenderService
    pricing: PricingService
    batches: BatchService
    webhooks: WebhookService  # endpoints, secrets, deliveries, replays (issue 8)

    @classmethod
    def build(cls, settings: Settings, *, pool_size: int = 10) -> Services:
        db = Database.from_settings(settings, pool_size=pool_size)
        writer = GroupWriter(db)
        links = LinkService.from_settings(db, settings)
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
            messages=(messages := MessageService(db, writer, links.shortener)),
            links=links,
            consent=Consent.build(db),
            inbound=InboundService(db, messages),
            brands=BrandService(db),
            campaigns=CampaignService(db),
            contacts=(contacts := ContactService(db)),
            templates=TemplateService(db),
            senders=SenderService(db, contacts),
            pricing=(pricing := PricingService(db)),
            batches=BatchService(db, Processor(db, pricing), contacts),
            webhooks=WebhookService(db, settings),
        )

    async def close(self) -> None:
        await self.batches.close()  # stops this process's batch tasks; others resume them
        await self.writer.close()
        await self.links.close()  # writes the buffered clicks
        await self.db.dispose()

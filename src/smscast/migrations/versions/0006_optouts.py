"""opt-outs and their history, inbound messages, keywords, inbound settings

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-22 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import smscast.db

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"], ["accounts.id"], name=op.f(f"fk_{table}_account_id_accounts")
    )


def upgrade() -> None:
    op.create_table(
        "optouts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("reply_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        _account_fk("optouts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optouts")),
        sa.UniqueConstraint("account_id", "number", "sender", name="uq_optouts_account_number"),
    )
    with op.batch_alter_table("optouts", schema=None) as batch_op:
        batch_op.create_index("ix_optouts_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index("ix_optouts_updated_at", ["updated_at"], unique=False)

    op.create_table(
        "optout_changes",
        sa.Column("id", BIGID, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("sender", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("inbound_id", sa.Uuid(), nullable=True),
        sa.Column("at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        _account_fk("optout_changes"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_optout_changes")),
    )
    with op.batch_alter_table("optout_changes", schema=None) as batch_op:
        batch_op.create_index("ix_optout_changes_account_id_id", ["account_id", "id"], unique=False)
        batch_op.create_index(
            "ix_optout_changes_account_number", ["account_id", "number"], unique=False
        )

    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("connector", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("destination", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("keyword", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=8), nullable=True),
        sa.Column("reply_id", sa.Uuid(), nullable=True),
        sa.Column("carrier_ref", sa.String(length=100), nullable=True),
        sa.Column("extra", JSON, nullable=False),
        sa.Column("received_at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        _account_fk("inbound_messages"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint("account_id", "carrier_ref", name="uq_inbound_messages_carrier_ref"),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_messages_account_id_id", ["account_id", "id"], unique=False
        )

    op.create_table(
        "inbound_keywords",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("keyword", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("created_at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        _account_fk("inbound_keywords"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_keywords")),
        sa.UniqueConstraint("account_id", "keyword", name="uq_inbound_keywords_word"),
    )

    op.create_table(
        "inbound_settings",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("replies", JSON, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("token_created_at", smscast.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", smscast.db.UTCDateTime(timezone=True), nullable=False),
        _account_fk("inbound_settings"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_inbound_settings")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_inbound_settings_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("inbound_settings")
    op.drop_table("inbound_keywords")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_messages_account_id_id")
    op.drop_table("inbound_messages")
    with op.batch_alter_table("optout_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_optout_changes_account_number")
        batch_op.drop_index("ix_optout_changes_account_id_id")
    op.drop_table("optout_changes")
    with op.batch_alter_table("optouts", schema=None) as batch_op:
        batch_op.drop_index("ix_optouts_updated_at")
        batch_op.drop_index("ix_optouts_account_id_id")
    op.drop_table("optouts")

"""digest messages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_messages",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("message_id", sa.String(length=100), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_digest_messages_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "platform", "chat_id", "message_id", name=op.f("pk_digest_messages")
        ),
    )


def downgrade() -> None:
    op.drop_table("digest_messages")

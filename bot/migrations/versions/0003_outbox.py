"""outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_parts",
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.String(length=100), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["chat_id"],
            ["chats.id"],
            name=op.f("fk_digest_parts_chat_id_chats"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["digests.id"],
            name=op.f("fk_digest_parts_digest_id_digests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("digest_id", "part", name=op.f("pk_digest_parts")),
    )
    with op.batch_alter_table("digest_parts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_parts_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_digest_parts_state"), ["state"], unique=False)

    with op.batch_alter_table("digests", schema=None) as batch_op:
        # Digests from before the outbox went out as they were built.
        batch_op.add_column(
            sa.Column("state", sa.String(length=10), nullable=False, server_default="sent")
        )
        batch_op.create_index(batch_op.f("ix_digests_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digests_state"))
        batch_op.drop_column("state")

    with op.batch_alter_table("digest_parts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_parts_state"))
        batch_op.drop_index(batch_op.f("ix_digest_parts_chat_id"))

    op.drop_table("digest_parts")

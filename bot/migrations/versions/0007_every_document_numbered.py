"""every document numbered in story_prints

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Documents stored without band keys (texts too short for them) had no row; the search
    index knows documents by their row's number, so each gets one."""
    documents = sa.table("documents", sa.column("id"))
    prints = sa.table("story_prints", sa.column("document_id"), sa.column("keys"))
    numbered = sa.select(prints.c.document_id)
    op.get_bind().execute(
        sa.insert(prints).from_select(
            ["document_id", "keys"],
            sa.select(documents.c.id, sa.literal(b"", sa.LargeBinary())).where(
                documents.c.id.not_in(numbered)
            ),
        )
    )


def downgrade() -> None:
    prints = sa.table("story_prints", sa.column("keys", sa.LargeBinary()))
    op.get_bind().execute(sa.delete(prints).where(prints.c["keys"] == sa.literal(b"")))

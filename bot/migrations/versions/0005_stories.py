"""stories

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sa.LargeBinary(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_story_id"), ["story_id"], unique=False)
    # Documents stored before stories each tell a story of their own.
    op.execute("UPDATE documents SET story_id = id")
    op.create_table(
        "story_bands",
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_story_bands_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", "document_id", name=op.f("pk_story_bands")),
    )
    with op.batch_alter_table("story_bands", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_story_bands_document_id"), ["document_id"], unique=False
        )
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("update_sentences", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.drop_column("update_sentences")
    op.drop_table("story_bands")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_story_id"))
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("story_id")

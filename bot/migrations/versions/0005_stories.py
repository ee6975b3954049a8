"""stories

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import numpy
import sqlalchemy as sa
from alembic import op

from bot.core.near_duplicates import band_keys, fingerprint

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
        "story_prints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("keys", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_story_prints_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_prints")),
        sa.UniqueConstraint("document_id", name=op.f("uq_story_prints_document_id")),
    )
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("update_sentences", sa.JSON(), nullable=True))
    _fingerprint_stored_documents()


def _fingerprint_stored_documents() -> None:
    """Fingerprint the documents stored before, so that copies of them arriving later join
    their stories: about half a millisecond a document, a thousand to a transaction step."""
    bind = op.get_bind()
    documents = sa.table("documents", sa.column("id"), sa.column("body"), sa.column("fingerprint"))
    prints = sa.table("story_prints", sa.column("document_id"), sa.column("keys"))
    last = ""
    while True:
        rows = bind.execute(
            sa.select(documents.c.id, documents.c.body)
            .where(documents.c.id > last)
            .order_by(documents.c.id)
            .limit(1000)
        ).all()
        if not rows:
            return
        made = [(doc_id, fingerprint(body or "")) for doc_id, body in rows]
        bind.execute(
            documents.update()
            .where(documents.c.id == sa.bindparam("doc"))
            .values(fingerprint=sa.bindparam("data")),
            [{"doc": doc_id, "data": print_.to_bytes()} for doc_id, print_ in made],
        )
        keys = [(doc_id, band_keys(print_)) for doc_id, print_ in made]
        rows_of_keys = [
            {"document_id": doc_id, "keys": numpy.array(found, dtype="<i8").tobytes()}
            for doc_id, found in keys
            if found
        ]
        if rows_of_keys:
            bind.execute(prints.insert(), rows_of_keys)
        last = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("digest_items", schema=None) as batch_op:
        batch_op.drop_column("update_sentences")
    op.drop_table("story_prints")
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_documents_story_id"))
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("story_id")

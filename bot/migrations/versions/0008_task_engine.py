"""the task engine's tables, on PostgreSQL

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Several processes share deliveries through procrastinate's jobs, kept in PostgreSQL
    beside the bot's own tables (SQLite has one process, and no task engine)."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # procrastinate's own schema, as its `schema apply` writes it; run by the driver as it is
    # (its functions are full of `%` and `:`, which are not parameters).
    driver = bind.connection.driver_connection
    assert driver is not None
    driver.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    driver = bind.connection.driver_connection
    assert driver is not None
    driver.execute(
        """
        DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
            procrastinate_jobs, procrastinate_workers CASCADE;
        DO $$ DECLARE found record; BEGIN
            FOR found IN SELECT oid::regprocedure AS signature FROM pg_proc
                WHERE proname LIKE 'procrastinate\\_%' LOOP
                EXECUTE 'DROP FUNCTION ' || found.signature || ' CASCADE';
            END LOOP;
        END $$;
        DROP TYPE IF EXISTS procrastinate_job_status, procrastinate_job_event_type,
            procrastinate_job_to_defer_v1 CASCADE;
        """
    )

"""search in the database: accent-folded consumer names kept beside the name, trigram indexes
(PostgreSQL pg_trgm) for the folded names, streets and neighbourhoods searched with
LIKE '%x%'; core_user.access_version, raised when a user's permissions change (the per-process
permission cache is keyed by it).

Revision ID: 0016_search
Revises: 0015_quality_events
"""
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0016_search"
down_revision = "0015_quality_events"
branch_labels = None
depends_on = None


def _fold(text: str | None) -> str:
    """commercial.domain.text.search_key, frozen here as it was when this revision shipped."""
    ascii_ = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return " ".join(ascii_.lower().split())


def _trigram_index(name: str, table: str, column: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(name, table, [column], postgresql_using="gin",
                        postgresql_ops={column: "gin_trgm_ops"})
    else:
        op.create_index(name, table, [column])


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table("commercial_consumer") as batch:
        batch.add_column(sa.Column("search_name", sa.String(200), nullable=False, server_default=""))
    consumer = sa.table("commercial_consumer", sa.column("id", sa.Integer),
                        sa.column("name", sa.String), sa.column("search_name", sa.String))
    rows = bind.execute(sa.select(consumer.c.id, consumer.c.name)).all()
    if rows:
        bind.execute(consumer.update().where(consumer.c.id == sa.bindparam("b_id"))
                     .values(search_name=sa.bindparam("b_key")),
                     [{"b_id": i, "b_key": _fold(n)[:200]} for i, n in rows])
    _trigram_index("ix_commercial_consumer_search_name", "commercial_consumer", "search_name")
    op.drop_index("ix_commercial_connection_search_key", table_name="commercial_connection")
    _trigram_index("ix_commercial_connection_search_key", "commercial_connection", "search_key")
    with op.batch_alter_table("core_user") as batch:
        batch.add_column(sa.Column("access_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("core_user") as batch:
        batch.drop_column("access_version")
    op.drop_index("ix_commercial_connection_search_key", table_name="commercial_connection")
    op.create_index("ix_commercial_connection_search_key", "commercial_connection", ["search_key"])
    op.drop_index("ix_commercial_consumer_search_name", table_name="commercial_consumer")
    with op.batch_alter_table("commercial_consumer") as batch:
        batch.drop_column("search_name")

"""lims_result: the open data's order as an index, on PostgreSQL (issue 17).

`/api/v1/dados-abertos/resultados` lists published results newest first (collected_at DESC
NULLS LAST, id DESC); without this index every first page sorted all published rows (9-22 ms
at 23,000 results, linear in the history). With it the first page is an index range scan
(0.1 ms). SQLite cannot declare NULLS LAST in an index; the embedded demo goes without.

The single-column parameter_id index goes: every lookup by parameter_id also names the sample
(ix_lims_result_sample_param serves it), and each index costs every row the closing publishes,
so the table keeps the same number of indexes on PostgreSQL.

Revision ID: 0029_published_order
Revises: 0028_catalogue_accents
"""
import sqlalchemy as sa
from alembic import op

revision = "0029_published_order"
down_revision = "0028_catalogue_accents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lims_result", schema=None) as batch_op:
        batch_op.drop_index("ix_lims_result_parameter_id")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index("ix_lims_result_published_order", "lims_result",
                    ["state", sa.text("collected_at DESC NULLS LAST"), sa.text("id DESC")])


def downgrade() -> None:
    with op.batch_alter_table("lims_result", schema=None) as batch_op:
        batch_op.create_index("ix_lims_result_parameter_id", ["parameter_id"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_lims_result_published_order", table_name="lims_result")

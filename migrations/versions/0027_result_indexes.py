"""lims_result: drop the single-column sample_id index (issue 17).

`ix_lims_result_sample_param` (sample_id, parameter_id) answers every lookup by sample_id (its
leading column), so the single-column index only cost writes: the closing's one UPDATE of the
month's results rewrote it for every row.

Revision ID: 0027_result_indexes
Revises: 0025_virtual_office
"""
from alembic import op

revision = "0027_result_indexes"
down_revision = "0025_virtual_office"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lims_result", schema=None) as batch_op:
        batch_op.drop_index("ix_lims_result_sample_id")


def downgrade() -> None:
    with op.batch_alter_table("lims_result", schema=None) as batch_op:
        batch_op.create_index("ix_lims_result_sample_id", ["sample_id"], unique=False)

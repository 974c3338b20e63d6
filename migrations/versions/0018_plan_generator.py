"""plan generator: the conditions of sampling minimums (PVC network, polymer, disinfectant...),
the system's plan traits, the population/connections of sectors, sensitive consumers on
collection points, and the proposal a sampling plan was started from.

Revision ID: 0018_plan_generator
Revises: 0017_sensor_lab
"""
from alembic import op
import sqlalchemy as sa

revision = "0018_plan_generator"
down_revision = "0017_sensor_lab"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lims_sampling_minimum") as b:
        b.add_column(sa.Column("condition", sa.String(40), nullable=True))
    with op.batch_alter_table("lims_supply_system") as b:
        b.add_column(sa.Column("plan_traits", sa.JSON(), nullable=True))
    with op.batch_alter_table("lims_unit") as b:
        b.add_column(sa.Column("population", sa.Integer(), nullable=True))
        b.add_column(sa.Column("connections", sa.Integer(), nullable=True))
    with op.batch_alter_table("lims_collection_point") as b:
        b.add_column(sa.Column("sensitive", sa.String(20), nullable=True))
    with op.batch_alter_table("lims_sampling_plan") as b:
        b.add_column(sa.Column("proposal", sa.JSON(), nullable=True))
        b.add_column(sa.Column("proposal_population", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lims_sampling_plan") as b:
        b.drop_column("proposal_population")
        b.drop_column("proposal")
    with op.batch_alter_table("lims_collection_point") as b:
        b.drop_column("sensitive")
    with op.batch_alter_table("lims_unit") as b:
        b.drop_column("connections")
        b.drop_column("population")
    with op.batch_alter_table("lims_supply_system") as b:
        b.drop_column("plan_traits")
    with op.batch_alter_table("lims_sampling_minimum") as b:
        b.drop_column("condition")

"""lims routes: collection routes, their stops, preparation form rows, synced field entries.

Revision ID: 0002a_lims_routes
Revises: 0002_lims
"""
from alembic import op
import sqlalchemy as sa

revision = "0002a_lims_routes"
down_revision = "0002_lims"
branch_labels = None
depends_on = None

TABLES = ("lims_route", "lims_route_entry", "lims_route_preparation", "lims_route_stop")


def upgrade() -> None:
    op.create_table('lims_route',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('collector_id', sa.Integer(), nullable=False),
    sa.Column('analysis_responsible_id', sa.Integer(), nullable=True),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('area', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('distance_km', sa.Double(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['analysis_responsible_id'], ['core_user.id'], name=op.f('fk_lims_route_analysis_responsible_id_core_user')),
    sa.ForeignKeyConstraint(['collector_id'], ['core_user.id'], name=op.f('fk_lims_route_collector_id_core_user')),
    sa.ForeignKeyConstraint(['created_by_id'], ['core_user.id'], name=op.f('fk_lims_route_created_by_id_core_user')),
    sa.ForeignKeyConstraint(['system_id'], ['lims_supply_system.id'], name=op.f('fk_lims_route_system_id_lims_supply_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_route')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_route_code'))
    )
    op.create_index(op.f('ix_lims_route_collector_id'), 'lims_route', ['collector_id'], unique=False)
    op.create_index(op.f('ix_lims_route_day'), 'lims_route', ['day'], unique=False)
    op.create_table('lims_route_entry',
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('route_id', sa.Integer(), nullable=True),
    sa.Column('sample_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('accepted', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('response', sa.JSON(), nullable=False),
    sa.Column('device_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('replays', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['route_id'], ['lims_route.id'], name=op.f('fk_lims_route_entry_route_id_lims_route')),
    sa.ForeignKeyConstraint(['sample_id'], ['lims_sample.id'], name=op.f('fk_lims_route_entry_sample_id_lims_sample')),
    sa.ForeignKeyConstraint(['user_id'], ['core_user.id'], name=op.f('fk_lims_route_entry_user_id_core_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_route_entry')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_lims_route_entry_idempotency_key'))
    )
    op.create_index(op.f('ix_lims_route_entry_route_id'), 'lims_route_entry', ['route_id'], unique=False)
    op.create_index(op.f('ix_lims_route_entry_sample_id'), 'lims_route_entry', ['sample_id'], unique=False)
    op.create_table('lims_route_preparation',
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('collection_responsible', sa.String(length=200), nullable=False),
    sa.Column('analysis_responsible', sa.String(length=200), nullable=False),
    sa.Column('parameters', sa.Text(), nullable=False),
    sa.Column('methods', sa.Text(), nullable=False),
    sa.Column('bottle_type', sa.String(length=120), nullable=False),
    sa.Column('preservative', sa.String(length=120), nullable=False),
    sa.Column('volume_ml', sa.Integer(), nullable=True),
    sa.Column('bottles', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['lims_collection_point.id'], name=op.f('fk_lims_route_preparation_point_id_lims_collection_point')),
    sa.ForeignKeyConstraint(['route_id'], ['lims_route.id'], name=op.f('fk_lims_route_preparation_route_id_lims_route')),
    sa.ForeignKeyConstraint(['sample_id'], ['lims_sample.id'], name=op.f('fk_lims_route_preparation_sample_id_lims_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_route_preparation'))
    )
    op.create_index(op.f('ix_lims_route_preparation_route_id'), 'lims_route_preparation', ['route_id'], unique=False)
    op.create_table('lims_route_stop',
    sa.Column('route_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=120), nullable=False),
    sa.Column('leg_km', sa.Double(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('outcome_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['lims_collection_point.id'], name=op.f('fk_lims_route_stop_point_id_lims_collection_point')),
    sa.ForeignKeyConstraint(['route_id'], ['lims_route.id'], name=op.f('fk_lims_route_stop_route_id_lims_route')),
    sa.ForeignKeyConstraint(['sample_id'], ['lims_sample.id'], name=op.f('fk_lims_route_stop_sample_id_lims_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_route_stop')),
    sa.UniqueConstraint('route_id', 'sample_id', name=op.f('uq_lims_route_stop_route_id_sample_id'))
    )
    op.create_index(op.f('ix_lims_route_stop_route_id'), 'lims_route_stop', ['route_id'], unique=False)
    op.create_index(op.f('ix_lims_route_stop_sample_id'), 'lims_route_stop', ['sample_id'], unique=False)


def downgrade() -> None:
    for name in ("lims_route_stop", "lims_route_preparation", "lims_route_entry", "lims_route"):
        op.drop_table(name)

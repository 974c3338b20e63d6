"""lims tables (part 1): registry, catalogue, sampling minimums, plans, samples.

Revision ID: 0002_lims
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_lims"
down_revision = "0001_core"
branch_labels = None
depends_on = None

TABLES = ("lims_bottle_type", "lims_client", "lims_laboratory", "lims_preservative",
          "lims_regulator", "lims_sample_type", "lims_sampling_minimum", "lims_parameter",
          "lims_supply_system", "lims_sampling_plan", "lims_unit", "lims_collection_point",
          "lims_license", "lims_plan_item", "lims_point_link", "lims_sample",
          "lims_sample_parameter")


def upgrade() -> None:
    op.create_table('lims_bottle_type',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('volume_ml', sa.Integer(), nullable=True),
    sa.Column('material', sa.String(length=60), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_bottle_type')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_bottle_type_code'))
    )
    op.create_table('lims_client',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('document', sa.String(length=20), nullable=True),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_client'))
    )
    op.create_table('lims_laboratory',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('own', sa.Boolean(), nullable=False),
    sa.Column('cnpj', sa.String(length=20), nullable=True),
    sa.Column('accreditation', sa.String(length=200), nullable=True),
    sa.Column('accreditation_expires_on', sa.Date(), nullable=True),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_laboratory')),
    sa.UniqueConstraint('name', name=op.f('uq_lims_laboratory_name'))
    )
    op.create_table('lims_preservative',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_preservative')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_preservative_code'))
    )
    op.create_table('lims_regulator',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('contact', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_regulator'))
    )
    op.create_table('lims_sample_type',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_sample_type')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_sample_type_code'))
    )
    op.create_table('lims_sampling_minimum',
    sa.Column('parameter_code', sa.String(length=80), nullable=False),
    sa.Column('where', sa.String(length=20), nullable=False),
    sa.Column('system_kind', sa.String(length=3), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('pop_min', sa.Integer(), nullable=False),
    sa.Column('pop_max', sa.Integer(), nullable=True),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('base', sa.Integer(), nullable=False),
    sa.Column('per_inhabitants', sa.Integer(), nullable=True),
    sa.Column('cap', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('unverified', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.String(length=500), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_sampling_minimum')),
    sa.UniqueConstraint('parameter_code', 'where', 'system_kind', 'source_type', 'pop_min', name=op.f('uq_lims_sampling_minimum_parameter_code_where_system_kind_source_type_pop_min'))
    )
    with op.batch_alter_table('lims_sampling_minimum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_sampling_minimum_parameter_code'), ['parameter_code'], unique=False)

    op.create_table('lims_parameter',
    sa.Column('code', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('group', sa.String(length=20), nullable=False),
    sa.Column('unit', sa.String(length=30), nullable=False),
    sa.Column('method', sa.String(length=200), nullable=True),
    sa.Column('ld', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('lq', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('vmp_min', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('vmp_max', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('presence_absence', sa.Boolean(), nullable=False),
    sa.Column('applies', sa.String(length=10), nullable=False),
    sa.Column('compare_decimals', sa.Integer(), nullable=True),
    sa.Column('plausible_min', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('plausible_max', sa.Numeric(precision=20, scale=8), nullable=True),
    sa.Column('annex', sa.String(length=40), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('unverified', sa.Boolean(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('sample_type_id', sa.Integer(), nullable=True),
    sa.Column('bottle_type_id', sa.Integer(), nullable=True),
    sa.Column('preservative_id', sa.Integer(), nullable=True),
    sa.Column('volume_ml', sa.Integer(), nullable=True),
    sa.Column('field_reading', sa.Boolean(), nullable=False),
    sa.Column('custom', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bottle_type_id'], ['lims_bottle_type.id'], name=op.f('fk_lims_parameter_bottle_type_id_lims_bottle_type')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['core_user.id'], name=op.f('fk_lims_parameter_confirmed_by_id_core_user')),
    sa.ForeignKeyConstraint(['preservative_id'], ['lims_preservative.id'], name=op.f('fk_lims_parameter_preservative_id_lims_preservative')),
    sa.ForeignKeyConstraint(['sample_type_id'], ['lims_sample_type.id'], name=op.f('fk_lims_parameter_sample_type_id_lims_sample_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_parameter')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_parameter_code'))
    )
    op.create_table('lims_supply_system',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=3), nullable=False),
    sa.Column('population_served', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=20), nullable=False),
    sa.Column('treatment_type', sa.String(length=30), nullable=False),
    sa.Column('neighbourhoods', sa.JSON(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('regulator_id', sa.Integer(), nullable=True),
    sa.Column('sisagua_code', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['regulator_id'], ['lims_regulator.id'], name=op.f('fk_lims_supply_system_regulator_id_lims_regulator')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_supply_system')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_supply_system_code'))
    )
    op.create_table('lims_sampling_plan',
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('below_minimum', sa.Boolean(), nullable=False),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['core_user.id'], name=op.f('fk_lims_sampling_plan_approved_by_id_core_user')),
    sa.ForeignKeyConstraint(['system_id'], ['lims_supply_system.id'], name=op.f('fk_lims_sampling_plan_system_id_lims_supply_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_sampling_plan')),
    sa.UniqueConstraint('system_id', 'year', 'version', name=op.f('uq_lims_sampling_plan_system_id_year_version'))
    )
    with op.batch_alter_table('lims_sampling_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_sampling_plan_system_id'), ['system_id'], unique=False)

    op.create_table('lims_unit',
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('neighbourhoods', sa.JSON(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['lims_unit.id'], name=op.f('fk_lims_unit_parent_id_lims_unit')),
    sa.ForeignKeyConstraint(['system_id'], ['lims_supply_system.id'], name=op.f('fk_lims_unit_system_id_lims_supply_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_unit')),
    sa.UniqueConstraint('system_id', 'code', name=op.f('uq_lims_unit_system_id_code'))
    )
    with op.batch_alter_table('lims_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_unit_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_lims_unit_system_id'), ['system_id'], unique=False)

    op.create_table('lims_collection_point',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('neighbourhood', sa.String(length=120), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['lims_supply_system.id'], name=op.f('fk_lims_collection_point_system_id_lims_supply_system')),
    sa.ForeignKeyConstraint(['unit_id'], ['lims_unit.id'], name=op.f('fk_lims_collection_point_unit_id_lims_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_collection_point')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_collection_point_code'))
    )
    with op.batch_alter_table('lims_collection_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_collection_point_system_id'), ['system_id'], unique=False)

    op.create_table('lims_license',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('number', sa.String(length=80), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['system_id'], ['lims_supply_system.id'], name=op.f('fk_lims_license_system_id_lims_supply_system')),
    sa.ForeignKeyConstraint(['unit_id'], ['lims_unit.id'], name=op.f('fk_lims_license_unit_id_lims_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_license'))
    )
    op.create_table('lims_plan_item',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=20), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('custom_count', sa.Integer(), nullable=True),
    sa.Column('start_month', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parameter_id'], ['lims_parameter.id'], name=op.f('fk_lims_plan_item_parameter_id_lims_parameter')),
    sa.ForeignKeyConstraint(['plan_id'], ['lims_sampling_plan.id'], name=op.f('fk_lims_plan_item_plan_id_lims_sampling_plan')),
    sa.ForeignKeyConstraint(['point_id'], ['lims_collection_point.id'], name=op.f('fk_lims_plan_item_point_id_lims_collection_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_plan_item')),
    sa.UniqueConstraint('plan_id', 'parameter_id', 'point_id', name=op.f('uq_lims_plan_item_plan_id_parameter_id_point_id'))
    )
    with op.batch_alter_table('lims_plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_plan_item_plan_id'), ['plan_id'], unique=False)

    op.create_table('lims_point_link',
    sa.Column('upstream_id', sa.Integer(), nullable=False),
    sa.Column('downstream_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['downstream_id'], ['lims_collection_point.id'], name=op.f('fk_lims_point_link_downstream_id_lims_collection_point')),
    sa.ForeignKeyConstraint(['upstream_id'], ['lims_collection_point.id'], name=op.f('fk_lims_point_link_upstream_id_lims_collection_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_point_link')),
    sa.UniqueConstraint('upstream_id', 'downstream_id', name=op.f('uq_lims_point_link_upstream_id_downstream_id'))
    )
    with op.batch_alter_table('lims_point_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_point_link_downstream_id'), ['downstream_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lims_point_link_upstream_id'), ['upstream_id'], unique=False)

    op.create_table('lims_sample',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('point_id', sa.Integer(), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('section', sa.String(length=20), nullable=True),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('planned_for', sa.Date(), nullable=True),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('is_recoleta', sa.Boolean(), nullable=False),
    sa.Column('origin_sample_id', sa.Integer(), nullable=True),
    sa.Column('route_id', sa.Integer(), nullable=True),
    sa.Column('collected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('collected_by_id', sa.Integer(), nullable=True),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('photo_path', sa.String(length=400), nullable=True),
    sa.Column('field_readings', sa.JSON(), nullable=False),
    sa.Column('not_collected_reason', sa.String(length=1000), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('arrival_temperature', sa.Numeric(precision=5, scale=1), nullable=True),
    sa.Column('assigned_analyst_id', sa.Integer(), nullable=True),
    sa.Column('assigned_lab_id', sa.Integer(), nullable=True),
    sa.Column('cancel_reason', sa.String(length=1000), nullable=True),
    sa.Column('reprogram_count', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_analyst_id'], ['core_user.id'], name=op.f('fk_lims_sample_assigned_analyst_id_core_user')),
    sa.ForeignKeyConstraint(['assigned_lab_id'], ['lims_laboratory.id'], name=op.f('fk_lims_sample_assigned_lab_id_lims_laboratory')),
    sa.ForeignKeyConstraint(['collected_by_id'], ['core_user.id'], name=op.f('fk_lims_sample_collected_by_id_core_user')),
    sa.ForeignKeyConstraint(['origin_sample_id'], ['lims_sample.id'], name=op.f('fk_lims_sample_origin_sample_id_lims_sample')),
    sa.ForeignKeyConstraint(['plan_id'], ['lims_sampling_plan.id'], name=op.f('fk_lims_sample_plan_id_lims_sampling_plan')),
    sa.ForeignKeyConstraint(['point_id'], ['lims_collection_point.id'], name=op.f('fk_lims_sample_point_id_lims_collection_point')),
    sa.ForeignKeyConstraint(['received_by_id'], ['core_user.id'], name=op.f('fk_lims_sample_received_by_id_core_user')),
    sa.ForeignKeyConstraint(['system_id'], ['lims_supply_system.id'], name=op.f('fk_lims_sample_system_id_lims_supply_system')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_sample')),
    sa.UniqueConstraint('code', name=op.f('uq_lims_sample_code')),
    sa.UniqueConstraint('plan_id', 'point_id', 'planned_for', 'slot', name=op.f('uq_lims_sample_plan_id_point_id_planned_for_slot'))
    )
    with op.batch_alter_table('lims_sample', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_sample_point_id'), ['point_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lims_sample_route_id'), ['route_id'], unique=False)
        batch_op.create_index('ix_lims_sample_state_day', ['state', 'scheduled_for'], unique=False)
        batch_op.create_index('ix_lims_sample_system_day', ['system_id', 'scheduled_for'], unique=False)

    op.create_table('lims_sample_parameter',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parameter_id'], ['lims_parameter.id'], name=op.f('fk_lims_sample_parameter_parameter_id_lims_parameter')),
    sa.ForeignKeyConstraint(['sample_id'], ['lims_sample.id'], name=op.f('fk_lims_sample_parameter_sample_id_lims_sample')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lims_sample_parameter')),
    sa.UniqueConstraint('sample_id', 'parameter_id', name=op.f('uq_lims_sample_parameter_sample_id_parameter_id'))
    )
    with op.batch_alter_table('lims_sample_parameter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lims_sample_parameter_sample_id'), ['sample_id'], unique=False)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)

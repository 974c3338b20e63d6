"""commercial tables: consumers, connections, billing groups, tariffs, readings, invoices,
message rules, notices and billing parameters.

Revision ID: 0006_commercial
Revises: 0005_telemetry_anomalies
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_commercial"
down_revision = "0005_telemetry_anomalies"
branch_labels = None
depends_on = None

TABLES = ('commercial_billing_group', 'commercial_consumer', 'commercial_message_rule', 'commercial_parameters', 'commercial_tariff_table', 'commercial_connection', 'commercial_invoice_batch', 'commercial_reading_import', 'commercial_tariff', 'commercial_invoice', 'commercial_notice', 'commercial_payment_plan', 'commercial_reading', 'commercial_tariff_band', 'commercial_service_charge')


def upgrade() -> None:
    op.create_table('commercial_billing_group',
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('reading_day', sa.Integer(), nullable=False),
    sa.Column('processing_day', sa.Integer(), nullable=False),
    sa.Column('due_day', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('bill_water', sa.Boolean(), nullable=False),
    sa.Column('bill_sewer', sa.Boolean(), nullable=False),
    sa.Column('cut_notice', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_billing_group')),
    sa.UniqueConstraint('number', name=op.f('uq_commercial_billing_group_number'))
    )
    op.create_table('commercial_consumer',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('document', sa.String(length=14), nullable=True),
    sa.Column('document_kind', sa.String(length=4), nullable=True),
    sa.Column('phones', sa.JSON(), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('channels', sa.JSON(), nullable=False),
    sa.Column('consent', sa.Boolean(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('invoice_by_email', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_consumer')),
    sa.UniqueConstraint('document', name=op.f('uq_commercial_consumer_document'))
    )
    op.create_table('commercial_message_rule',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('neighbourhoods', sa.JSON(), nullable=False),
    sa.Column('sector_codes', sa.JSON(), nullable=False),
    sa.Column('threshold_percent', sa.Numeric(precision=6, scale=2), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_message_rule'))
    )
    op.create_table('commercial_parameters',
    sa.Column('febraban_company', sa.String(length=4), nullable=False),
    sa.Column('value_id', sa.String(length=1), nullable=False),
    sa.Column('pix_key', sa.String(length=80), nullable=True),
    sa.Column('pix_name', sa.String(length=25), nullable=True),
    sa.Column('pix_city', sa.String(length=15), nullable=True),
    sa.Column('due_days_min', sa.Integer(), nullable=False),
    sa.Column('sms_days_before', sa.Integer(), nullable=False),
    sa.Column('quality_months_back', sa.Integer(), nullable=False),
    sa.Column('quality_more_info', sa.String(length=300), nullable=True),
    sa.Column('health_guidance', sa.Text(), nullable=True),
    sa.Column('source_notes', sa.JSON(), nullable=False),
    sa.Column('excess_percent', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('min_invoice_amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_parameters'))
    )
    op.create_table('commercial_tariff_table',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('legal_basis', sa.String(length=300), nullable=True),
    sa.Column('copied_from_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['copied_from_id'], ['commercial_tariff_table.id'], name=op.f('fk_commercial_tariff_table_copied_from_id_commercial_tariff_table')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_tariff_table')),
    sa.UniqueConstraint('valid_from', name=op.f('uq_commercial_tariff_table_valid_from'))
    )
    op.create_table('commercial_connection',
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('matricula', sa.String(length=12), nullable=False),
    sa.Column('consumer_id', sa.Integer(), nullable=False),
    sa.Column('billing_group_id', sa.Integer(), nullable=True),
    sa.Column('street', sa.String(length=160), nullable=False),
    sa.Column('house_number', sa.String(length=20), nullable=False),
    sa.Column('complement', sa.String(length=80), nullable=True),
    sa.Column('neighbourhood', sa.String(length=120), nullable=False),
    sa.Column('city', sa.String(length=120), nullable=False),
    sa.Column('cep', sa.String(length=9), nullable=True),
    sa.Column('search_key', sa.String(length=400), nullable=False),
    sa.Column('system_id', sa.Integer(), nullable=True),
    sa.Column('system_code', sa.String(length=40), nullable=True),
    sa.Column('sector_code', sa.String(length=40), nullable=True),
    sa.Column('segment_code', sa.String(length=60), nullable=True),
    sa.Column('residencial', sa.Integer(), nullable=False),
    sa.Column('comercial', sa.Integer(), nullable=False),
    sa.Column('industrial', sa.Integer(), nullable=False),
    sa.Column('publica', sa.Integer(), nullable=False),
    sa.Column('social', sa.Integer(), nullable=False),
    sa.Column('tariff_type', sa.String(length=30), nullable=False),
    sa.Column('has_sewer', sa.Boolean(), nullable=False),
    sa.Column('meter_number', sa.String(length=30), nullable=True),
    sa.Column('meter_diameter', sa.String(length=10), nullable=True),
    sa.Column('meter_telemetered', sa.Boolean(), nullable=False),
    sa.Column('meter_installed_on', sa.Date(), nullable=True),
    sa.Column('situation', sa.String(length=12), nullable=False),
    sa.Column('direct_debit', sa.Boolean(), nullable=False),
    sa.Column('route_seq', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Double(), nullable=True),
    sa.Column('longitude', sa.Double(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['billing_group_id'], ['commercial_billing_group.id'], name=op.f('fk_commercial_connection_billing_group_id_commercial_billing_group')),
    sa.ForeignKeyConstraint(['consumer_id'], ['commercial_consumer.id'], name=op.f('fk_commercial_connection_consumer_id_commercial_consumer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_connection')),
    sa.UniqueConstraint('matricula', name=op.f('uq_commercial_connection_matricula')),
    sa.UniqueConstraint('number', name=op.f('uq_commercial_connection_number'))
    )
    op.create_index('ix_commercial_connection_area', 'commercial_connection', ['situation', 'sector_code'], unique=False)
    op.create_index(op.f('ix_commercial_connection_billing_group_id'), 'commercial_connection', ['billing_group_id'], unique=False)
    op.create_index(op.f('ix_commercial_connection_consumer_id'), 'commercial_connection', ['consumer_id'], unique=False)
    op.create_index('ix_commercial_connection_geo', 'commercial_connection', ['latitude', 'longitude'], unique=False)
    op.create_index(op.f('ix_commercial_connection_meter_number'), 'commercial_connection', ['meter_number'], unique=False)
    op.create_index(op.f('ix_commercial_connection_neighbourhood'), 'commercial_connection', ['neighbourhood'], unique=False)
    op.create_index(op.f('ix_commercial_connection_search_key'), 'commercial_connection', ['search_key'], unique=False)
    op.create_index(op.f('ix_commercial_connection_sector_code'), 'commercial_connection', ['sector_code'], unique=False)
    op.create_index(op.f('ix_commercial_connection_segment_code'), 'commercial_connection', ['segment_code'], unique=False)
    op.create_index(op.f('ix_commercial_connection_system_id'), 'commercial_connection', ['system_id'], unique=False)
    op.create_table('commercial_invoice_batch',
    sa.Column('billing_group_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=15), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.JSON(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('print_file', sa.String(length=400), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['billing_group_id'], ['commercial_billing_group.id'], name=op.f('fk_commercial_invoice_batch_billing_group_id_commercial_billing_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_invoice_batch'))
    )
    op.create_table('commercial_reading_import',
    sa.Column('billing_group_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['billing_group_id'], ['commercial_billing_group.id'], name=op.f('fk_commercial_reading_import_billing_group_id_commercial_billing_group')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_reading_import'))
    )
    op.create_table('commercial_tariff',
    sa.Column('table_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('tariff_type', sa.String(length=30), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('minimum_volume', sa.Integer(), nullable=False),
    sa.Column('minimum_charge', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('sewer_percent', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['table_id'], ['commercial_tariff_table.id'], name=op.f('fk_commercial_tariff_table_id_commercial_tariff_table')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_tariff')),
    sa.UniqueConstraint('table_id', 'category', 'tariff_type', name=op.f('uq_commercial_tariff_table_id_category_tariff_type'))
    )
    op.create_index(op.f('ix_commercial_tariff_table_id'), 'commercial_tariff', ['table_id'], unique=False)
    op.create_table('commercial_invoice',
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('consumer_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('consumption', sa.Integer(), nullable=False),
    sa.Column('water', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('sewer', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('services', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('barcode', sa.String(length=44), nullable=False),
    sa.Column('typed_line', sa.String(length=48), nullable=False),
    sa.Column('pix', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('paid_at', sa.Date(), nullable=True),
    sa.Column('debit_returned_on', sa.Date(), nullable=True),
    sa.Column('pdf_path', sa.String(length=400), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('copies', sa.Integer(), nullable=False),
    sa.Column('doc', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['commercial_invoice_batch.id'], name=op.f('fk_commercial_invoice_batch_id_commercial_invoice_batch')),
    sa.ForeignKeyConstraint(['connection_id'], ['commercial_connection.id'], name=op.f('fk_commercial_invoice_connection_id_commercial_connection')),
    sa.ForeignKeyConstraint(['consumer_id'], ['commercial_consumer.id'], name=op.f('fk_commercial_invoice_consumer_id_commercial_consumer')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_invoice')),
    sa.UniqueConstraint('number', name=op.f('uq_commercial_invoice_number'))
    )
    op.create_index('ix_commercial_invoice_batch', 'commercial_invoice', ['batch_id', 'seq'], unique=False)
    op.create_index('ix_commercial_invoice_conn_month', 'commercial_invoice', ['connection_id', 'year', 'month'], unique=False)
    op.create_table('commercial_notice',
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('to', sa.String(length=200), nullable=True),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['commercial_connection.id'], name=op.f('fk_commercial_notice_connection_id_commercial_connection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_notice')),
    sa.UniqueConstraint('kind', 'ref', name=op.f('uq_commercial_notice_kind_ref'))
    )
    op.create_index('ix_commercial_notice_due', 'commercial_notice', ['state', 'scheduled_for'], unique=False)
    op.create_table('commercial_payment_plan',
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('instalments', sa.Integer(), nullable=False),
    sa.Column('paid_instalments', sa.Integer(), nullable=False),
    sa.Column('next_due', sa.Date(), nullable=True),
    sa.Column('next_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['commercial_connection.id'], name=op.f('fk_commercial_payment_plan_connection_id_commercial_connection')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_payment_plan'))
    )
    op.create_index(op.f('ix_commercial_payment_plan_connection_id'), 'commercial_payment_plan', ['connection_id'], unique=False)
    op.create_table('commercial_reading',
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('read_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('previous_value', sa.Integer(), nullable=True),
    sa.Column('previous_read_on', sa.Date(), nullable=True),
    sa.Column('consumption', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('occurrence', sa.String(length=60), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['commercial_connection.id'], name=op.f('fk_commercial_reading_connection_id_commercial_connection')),
    sa.ForeignKeyConstraint(['import_id'], ['commercial_reading_import.id'], name=op.f('fk_commercial_reading_import_id_commercial_reading_import')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_reading')),
    sa.UniqueConstraint('connection_id', 'year', 'month', name=op.f('uq_commercial_reading_connection_id_year_month'))
    )
    op.create_index('ix_commercial_reading_month', 'commercial_reading', ['year', 'month'], unique=False)
    op.create_table('commercial_tariff_band',
    sa.Column('tariff_id', sa.Integer(), nullable=False),
    sa.Column('lower', sa.Integer(), nullable=False),
    sa.Column('upper', sa.Integer(), nullable=True),
    sa.Column('price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tariff_id'], ['commercial_tariff.id'], name=op.f('fk_commercial_tariff_band_tariff_id_commercial_tariff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_tariff_band'))
    )
    op.create_index(op.f('ix_commercial_tariff_band_tariff_id'), 'commercial_tariff_band', ['tariff_id'], unique=False)
    op.create_table('commercial_service_charge',
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['commercial_connection.id'], name=op.f('fk_commercial_service_charge_connection_id_commercial_connection')),
    sa.ForeignKeyConstraint(['invoice_id'], ['commercial_invoice.id'], name=op.f('fk_commercial_service_charge_invoice_id_commercial_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commercial_service_charge'))
    )
    op.create_index(op.f('ix_commercial_service_charge_connection_id'), 'commercial_service_charge', ['connection_id'], unique=False)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)

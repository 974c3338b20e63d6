"""catalogue names with their accents (Água, Alumínio, Ácidos haloacéticos...): the names
people read on every results page, report and invoice. Rows still carrying the old unaccented
name (never edited by a Gestor) are renamed, and so are the results' copies of the name.

Revision ID: 0028_catalogue_accents
Revises: 0027_result_indexes
"""
from alembic import op
import sqlalchemy as sa

revision = "0028_catalogue_accents"
down_revision = "0027_result_indexes"
branch_labels = None
depends_on = None

NAMES = [
    ('Agua tratada', 'Água tratada'),
    ('Agua bruta (manancial)', 'Água bruta (manancial)'),
    ('Agua da rede de distribuicao', 'Água da rede de distribuição'),
    ('Frasco esteril com tiossulfato 100 mL', 'Frasco estéril com tiossulfato 100 mL'),
    ('Frasco plastico 1 L', 'Frasco plástico 1 L'),
    ('Frasco plastico 500 mL (metais)', 'Frasco plástico 500 mL (metais)'),
    ('Frasco ambar 1 L (organicos/agrotoxicos)', 'Frasco âmbar 1 L (orgânicos/agrotóxicos)'),
    ('Tiossulfato de sodio', 'Tiossulfato de sódio'),
    ('Refrigeracao 4 graus C', 'Refrigeração a 4 °C'),
    ('Acido nitrico (pH < 2)', 'Ácido nítrico (pH < 2)'),
    ('Acido sulfurico (pH < 2)', 'Ácido sulfúrico (pH < 2)'),
    ('Bacterias heterotroficas', 'Bactérias heterotróficas'),
    ('Esporos de bacterias aerobias', 'Esporos de bactérias aeróbias'),
    ('Aluminio', 'Alumínio'),
    ('Amonia (como N)', 'Amônia (como N)'),
    ('Manganes', 'Manganês'),
    ('Sodio', 'Sódio'),
    ('Solidos dissolvidos totais', 'Sólidos dissolvidos totais'),
    ('Sulfeto de hidrogenio', 'Sulfeto de hidrogênio'),
    ('Dioxido de cloro', 'Dióxido de cloro'),
    ('Oxigenio dissolvido', 'Oxigênio dissolvido'),
    ('Fosforo total', 'Fósforo total'),
    ('Nitrogenio amoniacal', 'Nitrogênio amoniacal'),
    ('Cianobacterias', 'Cianobactérias'),
    ('Antimonio', 'Antimônio'),
    ('Arsenio', 'Arsênio'),
    ('Bario', 'Bário'),
    ('Cadmio', 'Cádmio'),
    ('Mercurio total', 'Mercúrio total'),
    ('Niquel', 'Níquel'),
    ('Selenio', 'Selênio'),
    ('Uranio', 'Urânio'),
    ('Aldicarbe + aldicarbesulfona + aldicarbesulfoxido', 'Aldicarbe + aldicarbesulfona + aldicarbesulfóxido'),
    ('Clorpirifos + clorpirifos-oxon', 'Clorpirifós + clorpirifós-oxon'),
    ('Metamidofos + acefato', 'Metamidofós + acefato'),
    ('Profenofos', 'Profenofós'),
    ('Terbufos', 'Terbufós'),
    ('Hidroxi-atrazina', 'Hidróxi-atrazina'),
    ('Acidos haloaceticos total', 'Ácidos haloacéticos total'),
    ('Radio-226', 'Rádio-226'),
    ('Radio-228', 'Rádio-228'),
]
TABLES = [("lims_parameter", "name"), ("lims_sample_type", "name"), ("lims_bottle_type", "name"),
          ("lims_preservative", "name"), ("lims_result", "parameter_name")]


def _rename(pairs: list[tuple[str, str]]) -> None:
    for table, column in TABLES:
        stmt = sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old")
        for old, new in pairs:
            op.execute(stmt.bindparams(old=old, new=new))


def upgrade() -> None:
    _rename(NAMES)


def downgrade() -> None:
    _rename([(new, old) for old, new in NAMES])

"""`saae comercial importar-retorno`: the same all-or-nothing import from the command line, on
a scratch SQLite database (the embedded demo's engine: no COPY, plain executemany)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from click.testing import CliRunner

from commercial.domain.return_layout import COLLECTION, build_return_file
from saae.cli import main
from tests.test_cli import scratch_env  # noqa: F401  the fixture


def test_import_return_file_from_the_command_line(scratch_env, tmp_path):  # noqa: F811
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=scratch_env).exit_code == 0
    today = dt.date.today()
    good = tmp_path / "ret.txt"
    good.write_bytes(build_return_file(COLLECTION, [
        {"paid_on": today, "credited_on": today, "barcode": "8" + "3" * 43, "amount": Decimal("12.30")},
    ], generated_on=today, sequence=3))
    done = runner.invoke(main, ["comercial", "importar-retorno", str(good)], env=scratch_env)
    assert done.exit_code == 0, (done.output, done.exception)
    assert "1 linha(s)" in done.output and "Fatura não encontrada: 1" in done.output
    assert "linha 2: Nenhuma fatura corresponde" in done.output
    again = runner.invoke(main, ["comercial", "importar-retorno", str(good)], env=scratch_env)
    assert again.exit_code == 1 and "já foi importado" in again.output
    bad = tmp_path / "bad.txt"
    bad.write_bytes(good.read_bytes().replace(b"Z000003", b"Z000009"))
    refused = runner.invoke(main, ["comercial", "importar-retorno", str(bad)], env=scratch_env)
    assert refused.exit_code == 1 and "Linha 3, posição 2 (Z.02" in refused.output
    engine = sa.create_engine(scratch_env["SAAE_DATABASE_URL"])
    with engine.connect() as conn:
        files = conn.execute(sa.text("SELECT count(*), min(username) FROM commercial_return_file")).one()
        lines = conn.execute(sa.text("SELECT count(*) FROM commercial_return_line")).scalar()
    engine.dispose()
    assert files[0] == 1 and files[1].startswith("linha de comando") and lines == 1

"""pt-BR texts in the code that reach people (error messages, flash messages, form labels,
permission labels, PDF lines) carry their accents. The page walk reads rendered pages; this reads
the string literals, so an error message, a flash or a PDF line is checked too.

A literal counts when it reads as prose (it has a space), is not a docstring, a log line, an SQL
statement, an upper-case stored value or a snake_case code; a word of the list below in it is a
pt-BR word written without its accent (none of them is a pt-BR word as written)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AREAS = ("core", "lims", "commercial", "incidents", "telemetry", "portal_publico", "saae", "render")
UNACCENTED = {
    "nao", "sessoes", "sessao", "codigo", "usuario", "usuarios", "servico", "servicos", "catalogo",
    "parametro", "parametros", "numero", "numerico", "invalido", "invalida", "observacao",
    "recuperacao", "laboratorio", "validacao", "publicacao", "situacao", "descricao", "endereco",
    "medicao", "periodo", "responsavel", "referencia", "conteudo", "opcao", "informacao",
    "elevatoria", "possivel", "obrigatorio", "obrigatoria", "permissao", "voce", "tambem",
    "historico", "proximo", "ultimo", "unico", "minimo", "maximo", "solicitacao", "operacao",
    "acao", "acoes", "excecao", "condicao", "manutencao", "captacao", "distribuicao", "tecnico",
    "pagina", "sera", "apos", "atraves", "tres", "estao", "entao", "alem", "legivel", "populacao",
    "reservico",
}
SQL = ("SELECT", "INSERT", "UPDATE", "CREATE", "ALTER", "DROP", "WITH", "DELETE")


def _skipped(tree: ast.AST) -> set[int]:
    """ids of docstring constants and of everything inside log calls."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id in {"log", "logger", "logging"}):
            out.update(id(sub) for sub in ast.walk(node))
    return out


def _bad_words(text: str) -> set[str]:
    if re.fullmatch(r"[A-Z][a-z]+", text) and text.lower() in UNACCENTED | {"publica"}:
        return {text.lower()}  # a one-word label ("Elevatória", "Pública")
    if (" " not in text.strip() or text.isupper() or text.lstrip().upper().startswith(SQL)
            or re.fullmatch(r"\s*\w+(\s*\|\s*\w+)+\s*", text)):  # a list of stored codes
        return set()
    text = re.sub(r"\{\{[^}]*\}\}|\{[^}]*\}", " ", text)  # template placeholders are names
    words = {w.lower() for w in re.findall(r"\w+", text) if "_" not in w}
    bad = words & UNACCENTED
    if re.match(r"\s*So\s", text):  # "Só ..." at the start of a message
        bad.add("so")
    return bad


def test_texts_for_people_carry_their_accents():
    problems = []
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
            skipped = _skipped(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
                    bad = _bad_words(node.value)
                    if bad:
                        problems.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(bad)} {node.value[:70]!r}")
    assert not problems, f"{len(problems)} textos sem acento:\n" + "\n".join(problems)

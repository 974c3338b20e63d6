"""Where each rule the plan generator uses comes from: the source tags of the minimum rows
(e.g. "2914 Anexo XII [V-2914]") read as the reference file (../shared/reference/portaria888.md)
explains them, with the section of that file that holds the rule. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

REFERENCE = "reference/portaria888.md"
# the reliability tags of section 0 of the reference file
TAGS = {
    "V-888": "texto da Portaria 888 conferido (artigos citados em open-geodata/br_sisagua, "
             "scripts/*.ipynb)",
    "V-SIS": "exportações reais do SISAGUA (open-geodata/br_sisagua, commit b763db3)",
    "V-CSV": "tabela de VMPs antigos e novos (camposvieira/rsisagua, data-raw/vmp_cs.csv)",
    "V-2914": "texto oficial da PRC-5/2914 (bvsms, MatrizesConsolidacao/comum/37451.html)",
    "V-518": "texto da Portaria 518/2004 (cópia yumpu, páginas 7 e 10)",
    "3P": "fonte secundária de terceiros, citada; não é o DOU",
}
NAMED = {
    "calculos.py": "ferramenta pública de planejamento (calculos.py), repositório não identificado",
    "laboratorioh2o": "página de terceiros laboratorioh2o",
}
# the section of the reference file where each kind of rule is
SECTIONS = (
    (re.compile(r"Anexo 14|Anexo 15|Art\. 41|calculos\.py|Art\. 42"),
     "§ 5b (Portaria 888, Anexos 12 a 15, não conferidos no DOU)"),
    (re.compile(r"2914 Anexo XII"), "§ 5a (PRC5/2914 Anexo XII)"),
    (re.compile(r"Art\. 29"), "§ 1 (outras regras microbiológicas, Art. 29)"),
    (re.compile(r"Anexo 12|Art\. 43"), "§ 5b (Anexo 12, cianobactérias)"),
    (re.compile(r"Anexo 1\b|518"), "§ 1 (padrão microbiológico e recoleta)"),
    (re.compile(r"PRC5"), "§ 1 (bactérias heterotróficas)"),
)
_TAG = re.compile(r"\[([^\]]+)\]")


@dataclass(frozen=True)
class Citation:
    text: str  # the row's source as stored
    section: str  # the reference file's section
    reliability: tuple[str, ...]  # what each tag means
    unverified: bool


def cite(source: str, unverified: bool = False) -> Citation:
    section = "; ".join(dict.fromkeys(s for rx, s in SECTIONS if rx.search(source))) or "§ 4 e § 5"
    meanings: list[str] = []
    for inner in _TAG.findall(source):
        for part in re.split(r"[;,]\s*", inner):
            word = part.split()[0] if part.split() else ""
            if word in TAGS:
                meanings.append(f"{word}: {TAGS[word]}")
            for name, what in NAMED.items():
                if name in part:
                    meanings.append(what)
    if unverified or "UNVERIFIED" in source:
        meanings.append("não verificado: de memória ou sem fonte no DOU; conferir antes de usar")
    return Citation(source, f"{REFERENCE} {section}", tuple(dict.fromkeys(meanings)),
                    unverified or "UNVERIFIED" in source)


def citations(sources: Iterable[tuple[str, bool]]) -> list[Citation]:
    """One citation per distinct source text, in order."""
    seen: dict[str, Citation] = {}
    for text, unverified in sources:
        if text not in seen:
            seen[text] = cite(text, unverified)
    return list(seen.values())

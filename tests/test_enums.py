"""core.enums.LabelledStrEnum: the stored value stays the plain string, the label rides along."""

from __future__ import annotations

from core.enums import LabelledStrEnum


class Colour(LabelledStrEnum):
    BLUE = "azul", "Azul-marinho"
    GREEN = "verde", "Verde"


def test_value_label_and_the_two_maps():
    assert Colour.BLUE == "azul" and Colour("verde") is Colour.GREEN
    assert Colour.BLUE.label == "Azul-marinho"
    assert Colour.labels() == {Colour.BLUE: "Azul-marinho", Colour.GREEN: "Verde"}
    choices = Colour.choices()
    assert choices == {"azul": "Azul-marinho", "verde": "Verde"}
    assert all(type(k) is str for k in choices)  # plain strings, as a form posts them

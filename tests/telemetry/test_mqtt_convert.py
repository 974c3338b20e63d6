"""Pure MQTT converter: topic patterns, payload formats, every kind of bad payload."""

from __future__ import annotations

import datetime as dt

import pytest

from telemetry.config import MqttTopic
from telemetry.connectors.mqtt import MqttMessage, TopicMap, convert, topic_matches

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC).timestamp()

MAP = TopicMap([
    MqttTopic(pattern="saae/+/+/valor", tag="{0}.{1}"),
    MqttTopic(pattern="saae/json/+", tag="{0}", format="json", value_path="v", ts_path="t",
              quality_path="q"),
    MqttTopic(pattern="gw/lote/#", tag="", format="json", items_path="leituras",
              tag_path="tag", value_path="valor", ts_path="ts"),
    MqttTopic(pattern="saae/nested/+", tag="{0}", format="json", value_path="data.0.value"),
], ranges={"SET-01.PRESSAO": (0.0, 100.0), "P": (0.0, 10.0)})


@pytest.mark.parametrize(("pattern", "topic", "caps"), [
    ("a/+/c", "a/b/c", ["b"]),
    ("a/+/c", "a/b/d", None),
    ("a/#", "a/b/c", ["b/c"]),
    ("a/#", "a", [""]),  # the spec: "a/#" also matches the parent "a"
    ("+/+", "x/y", ["x", "y"]),
    ("a/b", "a/b/c", None),
    ("a/b/c", "a/b", None),
    ("#", "x/y/z", ["x/y/z"]),
])
def test_topic_matches(pattern, topic, caps):
    assert topic_matches(pattern, topic) == caps


def _one(topic, payload):
    rej = []
    out = convert(MqttMessage(topic, payload, NOW), MAP, rej)
    return out, rej


@pytest.mark.parametrize(("topic", "payload", "expect"), [
    ("saae/SET-01/PRESSAO/valor", b"27.5", [("SET-01.PRESSAO", 27.5, "good", NOW)]),
    ("saae/SET-01/PRESSAO/valor", b" 27,5 ", [("SET-01.PRESSAO", 27.5, "good", NOW)]),
    ("saae/json/P", b'{"v": 3, "t": "2026-05-01T11:59:00Z", "q": "bad"}',
     [("P", 3.0, "bad", NOW - 60)]),
    ("saae/json/P", b'{"v": "3.5", "t": 1777636740000}', [("P", 3.5, "good", NOW - 60)]),
    ("saae/json/P", b'{"v": 1, "t": 1777636740, "q": 192}', [("P", 1.0, "good", NOW - 60)]),
    ("saae/json/P", b'{"v": 1, "t": 1777636740, "q": "???"}', [("P", 1.0, "uncertain", NOW - 60)]),
    ("saae/nested/N", b'{"data": [{"value": 9}]}', [("N", 9.0, "good", NOW)]),
    # what json.loads accepts in bytes: a UTF-8 BOM, UTF-16 (as before the one-decoder path)
    ("saae/nested/N", b'\xef\xbb\xbf{"data": [{"value": 9}]}', [("N", 9.0, "good", NOW)]),
    ("saae/nested/N", '{"data": [{"value": 9}]}'.encode("utf-16"), [("N", 9.0, "good", NOW)]),
    ("saae/nested/N", '{"data": [{"value": 9}]}'.encode("utf-16-le"), [("N", 9.0, "good", NOW)]),
    ("gw/lote/eta", b'{"leituras": [{"tag": "A", "valor": 1, "ts": 1777636740},'
                    b' {"tag": "B", "valor": 2, "ts": 1777636800}]}',
     [("A", 1.0, "good", NOW - 60), ("B", 2.0, "good", NOW)]),
])
def test_good_payloads(topic, payload, expect):
    out, rej = _one(topic, payload)
    assert rej == []
    assert [(r.tag, r.value, r.quality, r.ts.timestamp()) for r in out] == expect
    assert all(r.ts.tzinfo is not None for r in out)


@pytest.mark.parametrize(("topic", "payload", "tag", "reason"), [
    ("outro/topico", b"1", None, "topico_desconhecido"),
    ("saae/SET-01/PRESSAO/valor", b"abc", "SET-01.PRESSAO", "nao_numerico"),
    ("saae/SET-01/PRESSAO/valor", b"", "SET-01.PRESSAO", "nao_numerico"),
    ("saae/SET-01/PRESSAO/valor", b"nan", "SET-01.PRESSAO", "nao_numerico"),
    ("saae/SET-01/PRESSAO/valor", b"inf", "SET-01.PRESSAO", "nao_numerico"),
    ("saae/SET-01/PRESSAO/valor", b"150", "SET-01.PRESSAO", "fora_da_faixa"),
    ("saae/SET-01/PRESSAO/valor", b"-1", "SET-01.PRESSAO", "fora_da_faixa"),
    ("saae/json/P", b"{nao json", "P", "json_invalido"),
    ("saae/json/P", b'{"t": 1}', "P", "campo_ausente"),
    ("saae/json/P", b'{"v": 1}', "P", "campo_ausente"),
    ("saae/json/P", b'{"v": null, "t": 1}', "P", "nao_numerico"),
    ("saae/json/P", b'{"v": [1], "t": 1}', "P", "nao_numerico"),
    ("saae/json/P", b'{"v": 1, "t": "ontem"}', "P", "data_invalida"),
    ("saae/json/P", b'{"v": 11, "t": 1}', "P", "fora_da_faixa"),
    ("saae/nested/N", b'{"data": []}', "N", "campo_ausente"),
    ("gw/lote/eta", b'{"x": 1}', None, "campo_ausente"),
    ("gw/lote/eta", b'{"leituras": [{"valor": 1, "ts": 1}]}', None, "campo_ausente"),
])
def test_bad_payloads_are_rejected_with_reason(topic, payload, tag, reason):
    out, rej = _one(topic, payload)
    assert out == []
    assert [(r.tag, r.reason) for r in rej] == [(tag, reason)]


def test_one_bad_item_does_not_spoil_the_batch():
    out, rej = _one("gw/lote/x", b'{"leituras": [{"tag": "A", "valor": 1, "ts": 1777636740},'
                                 b' {"tag": "B", "valor": "x", "ts": 1777636740}]}')
    assert [r.tag for r in out] == ["A"]
    assert [(r.tag, r.reason) for r in rej] == [("B", "nao_numerico")]

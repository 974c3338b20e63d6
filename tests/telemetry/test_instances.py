"""Several ingester processes: each instance's identity (client id, connector names, disk
buffer) and the shared subscription setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from telemetry import config as tcfg
from telemetry.ingest.instances import buffer_dir_of, for_instance


def _cfg(**mqtt):
    return tcfg.parse({"connector": [
        {"name": "campo", "kind": "mqtt", "client_id": "saae-ingest", "share_group": "saae",
         "topics": [{"pattern": "saae/+/valor"}], **mqtt},
        {"name": "eta", "kind": "modbus", "host": "10.0.0.2",
         "points": [{"tag": "ETA.NIVEL", "address": 1}]}]})


def test_each_instance_has_its_own_session_names_and_buffer():
    cfg = for_instance(_cfg(), "2")
    mqtt, modbus = cfg.connectors
    assert (mqtt.name, mqtt.client_id, mqtt.share_group) == ("campo@2", "saae-ingest-2", "saae")
    assert modbus.name == "eta@2"
    assert for_instance(_cfg(), "") == _cfg()
    assert buffer_dir_of(Path("var/ingest-buffer"), "2") == Path("var/ingest-buffer-2")
    assert buffer_dir_of(Path("var/ingest-buffer"), "") == Path("var/ingest-buffer")


def test_bad_instance_and_share_group_are_refused():
    with pytest.raises(tcfg.ConfigInvalid, match="instância"):
        for_instance(_cfg(), "a/b")
    with pytest.raises(tcfg.ConfigInvalid, match="share_group"):
        _cfg(share_group="a/+")


def test_settings_know_the_instance():
    from core.config import Settings

    assert Settings.from_env({"SAAE_INGEST_INSTANCE": "3"}).ingest_instance == "3"

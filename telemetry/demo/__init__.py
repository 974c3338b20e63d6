"""The demonstration's telemetry, kept out of the production modules: the demo utility's
tags (tags), its simulated process (sim_model), the SCADA simulator served over OPC UA,
Modbus TCP and MQTT (simulator, layout, simulator.toml), `saae demo`'s in-process SCADA
(scada), the command-line control and CSV replay (control) and the demo data (seed)."""

"""SCADA/IoT telemetry: tags, connectors, ingester, storage, simulator, anomaly detection."""

"""Live: the OPC UA connector against an asyncua server that requires user and password."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole

from telemetry.config import OpcUaConfig, OpcUaNode
from telemetry.connectors.opcua import OpcUaConnector
from tests.telemetry.conftest import free_port

pytestmark = pytest.mark.live


class Users:
    def get_user(self, iserver, username=None, password=None, certificate=None):
        if username == "scada" and password == "S3nha-forte":
            return User(role=UserRole.User)
        return None


async def _server(port):
    srv = Server(user_manager=Users())
    await srv.init()
    srv.set_endpoint(f"opc.tcp://127.0.0.1:{port}/t/")
    srv.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    srv.set_identity_tokens([ua.UserNameIdentityToken])
    idx = await srv.register_namespace("urn:teste")
    var = await srv.nodes.objects.add_variable(ua.NodeId("POCO.NIVEL", idx), "POCO.NIVEL", 1.0)
    await srv.start()
    return srv, var


@pytest.mark.parametrize(("password", "ok"), [("S3nha-forte", True), ("errada", False)])
def test_opcua_user_password_status_and_source_timestamp(monkeypatch, password, ok):
    monkeypatch.setenv("OPCUA_TESTE_SENHA", password)
    port = free_port()
    cfg = OpcUaConfig(name="plc", endpoint=f"opc.tcp://127.0.0.1:{port}/t/", username="scada",
                      password_env="OPCUA_TESTE_SENHA", publishing_interval_ms=100,
                      sampling_interval_ms=50, reconnect_initial_s=0.2, reconnect_max_s=0.5,
                      nodes=(OpcUaNode("ns=2;s=POCO.NIVEL", "POCO.NIVEL"),))
    src = dt.datetime(2026, 6, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)

    async def scenario():
        srv, var = await _server(port)
        got = []
        conn = OpcUaConnector(cfg)
        task = asyncio.create_task(conn.run(lambda rs, done=None: got.extend(rs)))
        for _ in range(40):
            await asyncio.sleep(0.05)
            if got or conn.last_error:
                break
        await var.write_value(ua.DataValue(ua.Variant(7.5, ua.VariantType.Double),
                                           StatusCode=ua.StatusCode(ua.StatusCodes.UncertainLastUsableValue),
                                           SourceTimestamp=src, ServerTimestamp=src))
        await asyncio.sleep(0.5)
        state, err = conn.state, conn.last_error
        await conn.close()
        await asyncio.wait_for(task, 10)
        await srv.stop()
        return got, state, err

    got, state, err = asyncio.run(scenario())
    if ok:
        assert state == "conectado" and got[0].value == 1.0 and got[0].quality == "good"
        last = got[-1]
        assert (last.value, last.quality, last.ts) == (7.5, "uncertain", src)
        assert last.status == ua.StatusCodes.UncertainLastUsableValue and got[0].status == 0
    else:
        assert got == [] and state == "conectando" and err


def test_opcua_reconnects_after_server_restart(monkeypatch):
    monkeypatch.setenv("OPCUA_TESTE_SENHA", "S3nha-forte")
    port = free_port()
    cfg = OpcUaConfig(name="plc", endpoint=f"opc.tcp://127.0.0.1:{port}/t/", username="scada",
                      password_env="OPCUA_TESTE_SENHA", publishing_interval_ms=100,
                      sampling_interval_ms=50, reconnect_initial_s=0.2, reconnect_max_s=0.5,
                      timeout_s=2, nodes=(OpcUaNode("ns=2;s=POCO.NIVEL", "POCO.NIVEL"),))

    async def until(pred, timeout=10.0):
        for _ in range(int(timeout / 0.05)):
            if pred():
                return True
            await asyncio.sleep(0.05)
        return pred()

    async def scenario():
        srv, _var = await _server(port)
        got = []
        conn = OpcUaConnector(cfg)
        task = asyncio.create_task(conn.run(lambda rs, done=None: got.extend(rs)))
        assert await until(lambda: got)
        await srv.stop()
        assert await until(lambda: conn.state == "conectando")
        srv, var = await _server(port)
        await var.write_value(42.0)
        ok = await until(lambda: any(r.value == 42.0 for r in got), 15)
        await conn.close()
        await asyncio.wait_for(task, 10)
        await srv.stop()
        return ok

    assert asyncio.run(scenario())


def test_opcua_basic256sha256_sign_and_encrypt_with_client_certificate(tmp_path):
    from asyncua.crypto.cert_gen import setup_self_signed_certificate
    from cryptography.x509.oid import ExtendedKeyUsageOID

    port = free_port()

    async def scenario():
        await setup_self_signed_certificate(
            tmp_path / "srv.pem", tmp_path / "srv.der", "urn:teste:servidor", "127.0.0.1",
            [ExtendedKeyUsageOID.SERVER_AUTH], {"commonName": "servidor teste"})
        await setup_self_signed_certificate(
            tmp_path / "cli.pem", tmp_path / "cli.der", "urn:saae:telemetria:coletor", "127.0.0.1",
            [ExtendedKeyUsageOID.CLIENT_AUTH], {"commonName": "coletor SAAE"})
        srv = Server()
        await srv.init()
        srv.set_endpoint(f"opc.tcp://127.0.0.1:{port}/s/")
        await srv.set_application_uri("urn:teste:servidor")
        srv.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        await srv.load_certificate(str(tmp_path / "srv.der"))
        await srv.load_private_key(str(tmp_path / "srv.pem"))
        idx = await srv.register_namespace("urn:teste")
        await srv.nodes.objects.add_variable(ua.NodeId("ETA.CLORO", idx), "ETA.CLORO", 1.3)
        await srv.start()
        cfg = OpcUaConfig(name="seguro", endpoint=f"opc.tcp://127.0.0.1:{port}/s/",
                          security_policy="Basic256Sha256", security_mode="SignAndEncrypt",
                          certificate=str(tmp_path / "cli.der"), private_key=str(tmp_path / "cli.pem"),
                          reconnect_initial_s=0.2, nodes=(OpcUaNode("ns=2;s=ETA.CLORO", "ETA.CLORO"),))
        got = []
        conn = OpcUaConnector(cfg)
        task = asyncio.create_task(conn.run(lambda rs, done=None: got.extend(rs)))
        for _ in range(100):
            await asyncio.sleep(0.05)
            if got:
                break
        err = conn.last_error
        await conn.close()
        await asyncio.wait_for(task, 10)
        await srv.stop()
        return got, err

    got, err = asyncio.run(scenario())
    assert [r.value for r in got][:1] == [1.3], err


@pytest.mark.parametrize("trusted", [True, False])
def test_opcua_x509_user_certificate_identity(tmp_path, trusted):
    """The user identity given by a certificate (X509IdentityToken) over a signed and
    encrypted channel; a certificate the server does not know is refused (no readings)."""
    from asyncua.crypto.cert_gen import setup_self_signed_certificate
    from asyncua.server.user_managers import CertificateUserManager
    from cryptography.x509.oid import ExtendedKeyUsageOID

    port = free_port()

    async def scenario():
        for name, uri, usage in (("srv", "urn:teste:servidor", ExtendedKeyUsageOID.SERVER_AUTH),
                                 ("cli", "urn:saae:telemetria:coletor", ExtendedKeyUsageOID.CLIENT_AUTH),
                                 ("op", "urn:teste:operador", ExtendedKeyUsageOID.CLIENT_AUTH),
                                 ("outro", "urn:teste:outro", ExtendedKeyUsageOID.CLIENT_AUTH)):
            await setup_self_signed_certificate(tmp_path / f"{name}.pem", tmp_path / f"{name}.der",
                                                uri, "127.0.0.1", [usage], {"commonName": name})
        users = CertificateUserManager()
        await users.add_user(tmp_path / "op.der", name="operador")
        srv = Server(user_manager=users)
        await srv.init()
        srv.set_endpoint(f"opc.tcp://127.0.0.1:{port}/x/")
        await srv.set_application_uri("urn:teste:servidor")
        srv.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
        srv.set_identity_tokens([ua.X509IdentityToken])
        await srv.load_certificate(str(tmp_path / "srv.der"))
        await srv.load_private_key(str(tmp_path / "srv.pem"))
        idx = await srv.register_namespace("urn:teste")
        await srv.nodes.objects.add_variable(ua.NodeId("ETA.PH", idx), "ETA.PH", 7.2)
        await srv.start()
        user = "op" if trusted else "outro"
        cfg = OpcUaConfig(name="x509", endpoint=f"opc.tcp://127.0.0.1:{port}/x/",
                          security_policy="Basic256Sha256", security_mode="SignAndEncrypt",
                          certificate=str(tmp_path / "cli.der"), private_key=str(tmp_path / "cli.pem"),
                          user_certificate=str(tmp_path / f"{user}.der"),
                          user_private_key=str(tmp_path / f"{user}.pem"),
                          reconnect_initial_s=0.2, reconnect_max_s=0.5,
                          nodes=(OpcUaNode("ns=2;s=ETA.PH", "ETA.PH"),))
        got = []
        conn = OpcUaConnector(cfg)
        task = asyncio.create_task(conn.run(lambda rs, done=None: got.extend(rs)))
        for _ in range(60):
            await asyncio.sleep(0.05)
            if got or (not trusted and conn.last_error):
                break
        state, err = conn.state, conn.last_error
        await conn.close()
        await asyncio.wait_for(task, 10)
        await srv.stop()
        return got, state, err

    got, state, err = asyncio.run(scenario())
    if trusted:
        assert [r.value for r in got][:1] == [7.2], err
    else:
        assert got == [] and state == "conectando" and "BadUserAccessDenied" in (err or ""), err

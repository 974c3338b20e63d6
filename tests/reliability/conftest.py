"""The commercial factories, reused by the job tests."""

from tests.commercial.conftest import make_connection, setup_billing  # noqa: F401

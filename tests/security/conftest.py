"""Fixtures borrowed from the areas' tests."""

from tests.commercial.conftest import make_connection, setup_billing  # noqa: F401

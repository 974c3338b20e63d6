"""WSGI entry point for gunicorn: `gunicorn 'saae.wsgi:app'`."""

from saae.app import create_app

app = create_app()

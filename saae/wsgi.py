"""WSGI entry point for gunicorn: `gunicorn 'saae.wsgi:app'`.

Installs the configured task runner, so a job requested by a page goes to the Celery worker
(production) instead of running inside the request of this web worker."""

from saae.app import create_app
from saae.worker import install_runner

app = create_app()
install_runner(app, beat=False)

"""Django's PostgreSQL backend, pointed at the embedded server (config/embedded_postgres.py) and starting it on
the first connection, so any process (manage.py, gunicorn, celery, pytest) finds it running."""

from django.conf import settings
from django.db.backends.postgresql import base

from config import embedded_postgres


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        server, _ = embedded_postgres.ensure(settings.DATA_DIR)
        params.update(host=server.host, port=server.port, user=server.user, password=server.password)
        return params

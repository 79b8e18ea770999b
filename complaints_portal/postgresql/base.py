"""Django's PostgreSQL backend with a health check that costs no round trip when nothing is wrong.

Production keeps connections open between requests (CONN_MAX_AGE) and checks each one at the
start of a request (CONN_HEALTH_CHECKS), so that a connection the server dropped (a restart, a
terminated backend) is replaced instead of failing the request. Django checks with a
``SELECT 1``: one more round trip and statement per request, on every page and API call.

A server that ends a connection tells the client: it sends a termination message and closes
the socket, and either makes the idle socket readable. So an idle connection whose socket has
nothing to read is as usable as ``SELECT 1`` would find it; when there is something to read, or
the connection is not idle, the check is Django's own. (A server that vanished without a word —
a cut network — is not seen by either check until TCP gives up.)
"""
import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.pgconn.status != pq.ConnStatus.OK:
            return False
        if connection.info.transaction_status == pq.TransactionStatus.IDLE:
            try:
                readable, _, _ = select.select([connection.pgconn.socket], [], [], 0)
            except (OSError, ValueError):
                return False
            if not readable:
                return True
        return super().is_usable()

"""gunicorn settings for Ketenflow on PostgreSQL with several web processes (``make run-postgres``).

The address and the number of processes come from the same environment as the rest of Ketenflow:
KETENFLOW_HOST, KETENFLOW_PORT and KETENFLOW_WEB_WORKERS (default 2).
"""

from __future__ import annotations

import os
import sys
from typing import Any

wsgi_app = "webapp.wsgi:app"
bind = f"{os.environ.get('KETENFLOW_HOST', '127.0.0.1')}:{os.environ.get('KETENFLOW_PORT', '5000')}"
workers = int(os.environ.get("KETENFLOW_WEB_WORKERS", "2"))
# Build the application once in the master: a broken setting stops the start instead of every worker, and
# the workers share the loaded code. The database engine it made is made safe for the children below.
preload_app = True
proc_name = "ketenflow-web"
# gunicorn's control socket lives in the home directory by default, one path for every gunicorn of the user:
# a second Ketenflow (a test, a bench) would take it over. Ketenflow does not use it.
control_socket_disable = True


def post_fork(_server: Any, _worker: Any) -> None:
    """A forked worker must not use connections that the master's engine pool opened (two processes on one
    socket corrupt the protocol): forget them without closing them, so the child opens its own."""
    wsgi = sys.modules.get("webapp.wsgi")
    if wsgi is not None:
        wsgi.app.extensions["ketenflow"].db.engine.dispose(close=False)

"""The WSGI entry point for several web processes (gunicorn, see gunicorn.conf.py): the web application only.

Timers and mail are not run here but by separate ``ketenflow worker`` processes; ``ketenflow run`` is the
single-process alternative that serves the same application with the worker in a thread.
"""

from __future__ import annotations

from webapp import create_app

app = create_app()

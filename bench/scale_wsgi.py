"""Bench-only WSGI entry (webapp/wsgi.py may not exist yet): the app as ``ketenflow run`` builds it."""

from webapp import create_app

app = create_app()

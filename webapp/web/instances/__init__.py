"""The instance pages; the diagram view registers its routes on the same blueprint."""

from webapp.web.instances import diagram  # noqa: F401 - its routes register on routes.bp

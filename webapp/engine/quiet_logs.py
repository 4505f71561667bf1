"""SpiffWorkflow's loggers, kept from writing case data into the application log.

At DEBUG, SpiffWorkflow attaches every task's data (names, birth dates, answers) to its log records as
extra fields (``Task.collect_log_extras`` adds ``data`` whenever the ``spiff.task`` logger's own level is
below INFO, which is the default NOTSET). An operator who turns the root logger to DEBUG to chase a problem
would then write case contents to disk. These loggers are held at INFO, and a filter strips data fields from
any record that still gets through (BIO 12.4.1.1: no content in log lines).
"""

from __future__ import annotations

import logging

SPIFF_LOGGERS = ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn", "spiff.metrics")
_DATA_FIELDS = ("data", "internal_data", "task_data", "result")


class _DropCaseData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name in _DATA_FIELDS:
            if name in record.__dict__:
                record.__dict__[name] = "[weggelaten]"
        return True


_FILTER = _DropCaseData()


def quiet_engine_logs() -> None:
    """Idempotent: safe to call at every start."""
    for name in SPIFF_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level in (logging.NOTSET, logging.DEBUG):
            logger.setLevel(logging.INFO)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)

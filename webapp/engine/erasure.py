"""Erasing case data from a workflow that must keep running (the destruction of a case, issue 5 item 9).

A case is destroyed while the procedure that approved the destruction still runs (the destruction record is
yet to be written). Its workflow state carries everything the case ever held: SpiffWorkflow copies the data
into every task, and a called process gets the caller's data. So the data is pruned everywhere — every task
of the workflow and of each sub-workflow, and the workflow data — down to the names the rest of the
procedure needs. The task tree (which steps ran, waiting timers and messages) stays, so it still runs.
"""

from __future__ import annotations

from collections.abc import Collection, MutableMapping
from typing import Any

from webapp.engine.runtime import LoadedWorkflow


def erase_data_except(loaded: LoadedWorkflow, keep: Collection[str]) -> int:
    """Remove every data value whose name is not in ``keep``; returns how many values were removed."""
    workflow = loaded._wf
    removed = _prune(workflow.data, keep)
    for part in (workflow, *workflow.subprocesses.values()):
        if part is not workflow:
            removed += _prune(part.data, keep)
        for task in part.tasks.values():
            removed += _prune(task.data, keep)
    return removed


def _prune(data: MutableMapping[str, Any], keep: Collection[str]) -> int:
    gone = [name for name in data if name not in keep]
    for name in gone:
        del data[name]
    return len(gone)

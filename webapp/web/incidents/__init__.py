"""The administrator's incidents page: failing timers and instances in the error state."""

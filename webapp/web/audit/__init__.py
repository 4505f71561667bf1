"""The audit pages: the FG's search and the client access overview."""

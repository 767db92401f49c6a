"""What a run leaves behind: the SQLite run history, its mirror in the cluster, the audit log."""

"""Results on disk: the tidy parquet table plus a JSON sidecar."""

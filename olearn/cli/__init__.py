"""The olearn command line (typer)."""

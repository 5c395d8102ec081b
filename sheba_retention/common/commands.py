"""Helpers for management commands."""

from pathlib import Path


def write_errors(exc, path: str | None) -> None:
    """Write every error of an ImportRejected to `path`, one per line (the console shows the first thousand)."""
    if path:
        Path(path).write_text("\n".join(str(error) for error in exc.errors) + "\n", encoding="utf-8")

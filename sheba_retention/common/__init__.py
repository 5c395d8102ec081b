"""Helpers shared by every app: model updates, bulk loading, API conventions."""

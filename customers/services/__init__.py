"""Writes to the marketplace tables: CSV import, the synthetic data loader, demo accounts."""

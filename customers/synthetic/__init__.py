"""Synthetic marketplace data: a seeded, vectorised simulator of customers, providers, bookings and churn."""

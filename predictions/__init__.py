"""Churn predictions, their explanations, model versions and measured model performance."""

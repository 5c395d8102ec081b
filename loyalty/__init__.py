"""Loyalty tiers (Bronze to Platinum), their benefits, and each customer's tier history."""

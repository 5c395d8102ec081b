"""Discount codes, their redemptions, and payment transactions through the (mock) bKash/Nagad/bank gateways."""

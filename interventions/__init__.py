"""Interventions: proposals for at-risk customers, the approval queue, and what came of them."""

"""Analytics: retention, cohorts, ROI and revenue recovered, computed from the other apps' selectors."""

"""Analytics keeps no tables of its own yet: it reads the other apps through their selectors."""

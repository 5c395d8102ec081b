"""REST endpoints of the interventions app, one module per area: queue, history, uplift, calls, offers."""

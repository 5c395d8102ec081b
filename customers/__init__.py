"""The marketplace: customers, the service catalogue, providers, bookings, complaints, competitor searches."""

"""What the admin API and the dashboard read and do across domains: records, stats, status,
re-routing, imports."""

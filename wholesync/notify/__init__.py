"""E-mail notifications: immediate alerts, grouped by problem, and the daily digest."""

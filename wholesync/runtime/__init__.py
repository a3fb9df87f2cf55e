"""Running Wholesync as a service: the queue, jobs, schedules, the webhook inbox and locks."""

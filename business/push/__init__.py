"""Web Push for dashboard users: their browsers' subscriptions and chosen events
(subscriptions.py), the push rows queued in the notifications outbox when an event happens
(queue.py), and the system alerts page with per-user read marks (alerts.py)."""

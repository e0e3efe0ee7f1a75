"""Customers: contact details as callers give them, who is calling, and leads for the office."""

"""Dispatch: which technician takes a job and why, and the technician's side of a job
(their texts and status changes)."""

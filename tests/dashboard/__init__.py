"""Tests for the owner dashboard (dashboard/)."""

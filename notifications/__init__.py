"""Notifications: templates, rendering and delivery of messages about requests."""

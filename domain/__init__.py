"""Pure domain model: states, transitions, roles, event types. No I/O lives here."""

"""The local stack launcher: installs, starts, health-checks and stops the real services
(PostgreSQL, Redis, Kafka, Temporal) and our own processes on a machine without Docker.
"""

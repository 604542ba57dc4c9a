"""The KPI reports: each reads ClickHouse only (the events table and the requests view)
and answers plain dataclasses; docs/analytics.md defines every figure."""

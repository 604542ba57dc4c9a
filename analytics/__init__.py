"""The analytics pillar: every event in ClickHouse, the KPI reports read from there."""

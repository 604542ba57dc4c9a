"""Cross-cutting infrastructure shared by every process: settings, health probes, logging."""

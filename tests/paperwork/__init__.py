"""Paperwork: acts, contracts and payout statements rendered to PDF."""

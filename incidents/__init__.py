"""Incidents, work orders (OS), consumer notifications and their evidence."""

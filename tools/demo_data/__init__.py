"""Synthetic demo data for Pulse, written in the landing-zone contract."""

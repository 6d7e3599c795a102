"""Packages and their files (filled in by the artifacts issue)."""

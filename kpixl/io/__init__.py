"""Readers and writers at the edge: fast reading, atomic writes, file identification."""

"""Bytes to core models and back: project files, and later contracts and plans."""

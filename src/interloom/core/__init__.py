"""Pure domain: pydantic models and algorithms, no IO and no framework."""

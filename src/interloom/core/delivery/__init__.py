"""Delivery management: the plan of the integration project."""

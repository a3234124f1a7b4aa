"""Flow definitions: the declarative DSL of integration flows."""

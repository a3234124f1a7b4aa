"""The flow engine: compiled pipelines, the data plane, delivery to sinks."""

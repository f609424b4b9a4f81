"""The rules of the pipeline. Nothing here knows of screens or terminals."""

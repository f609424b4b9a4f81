"""The terminal app: screens and widgets that ask the pipeline and present."""

"""nextstep: a pipeline in which every open lead has a real next step."""

__version__ = "0.1.0"

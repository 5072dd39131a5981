"""tensorpress: a static site generator for technical deep-learning blogs."""

__version__ = "0.1.0"

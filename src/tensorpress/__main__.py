"""Allow ``python -m tensorpress``."""

from tensorpress.cli import run

run()

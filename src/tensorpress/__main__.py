"""Allow ``python -m tensorpress``."""

import sys

from tensorpress.cli import main

sys.exit(main())

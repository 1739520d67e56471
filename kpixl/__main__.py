"""``python -m kpixl`` runs the CLI."""

import sys

from kpixl.cli import main

sys.exit(main())

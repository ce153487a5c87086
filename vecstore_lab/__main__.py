"""``python -m vecstore_lab`` runs the command line."""

import sys

from vecstore_lab.cli import main

sys.exit(main())

"""``python -m spectral_ssl``: the ``spectral-ssl`` command line."""

import sys

from .cli import main

sys.exit(main())

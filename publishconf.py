"""Settings for production (`make publish`): absolute URLs on the real domain.

Set SITEURL here, or with `PORTAL_SITEURL=https://... make publish`.

The output folder is not emptied first: a publish after a publish rewrites only
what changed, and files an earlier build wrote that this one no longer makes are
removed (plugins/portal_site/manifest.py); nothing else in the folder is touched.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pelicanconf import *

SITEURL = os.environ.get("PORTAL_SITEURL", "https://gobiernoabierto.example.cl").rstrip("/")
RELATIVE_URLS = False
FEED_DOMAIN = SITEURL

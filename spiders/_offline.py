"""Keep paperwall from fetching anything at run time by itself.

tldextract (pulled in by web-poet's url-matcher) downloads the public suffix
list on first use and logs a traceback when it cannot; point it at the copy
bundled in the package instead.
"""

from __future__ import annotations

import tldextract
import tldextract.tldextract as _tld

_BUNDLED = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_tld.TLD_EXTRACTOR = _BUNDLED

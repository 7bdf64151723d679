"""Keep paperwall from fetching anything at run time by itself.

tldextract (pulled in by web-poet's url-matcher, and by Scrapy's cookie
middleware) downloads the public suffix list on first use and logs a
traceback when it cannot; point it at the copy bundled in the package
instead.  That is done the moment tldextract is imported, not here: importing
it (and requests with it) costs 0.13 s that a process never using it (the
revalidation step of a scheduled run) should not pay.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any


def _use_bundled_list(package: ModuleType) -> None:
    module = sys.modules["tldextract.tldextract"]
    module.TLD_EXTRACTOR = module.TLDExtract(suffix_list_urls=(), cache_dir=None)  # type: ignore[attr-defined]


class _ConfigureOnImport(importlib.abc.MetaPathFinder):
    """Finds the `tldextract` package as usual and configures it once loaded."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> Any:
        if fullname != "tldextract":
            return None
        sys.meta_path.remove(self)  # once is enough
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_configure(module: ModuleType) -> None:
            exec_module(module)
            _use_bundled_list(module)

        spec.loader.exec_module = exec_and_configure  # type: ignore[method-assign]
        return spec


if "tldextract" in sys.modules:
    _use_bundled_list(sys.modules["tldextract"])
else:
    sys.meta_path.insert(0, _ConfigureOnImport())

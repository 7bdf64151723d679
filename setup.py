"""The compiled part of paperwall: the walks over every element of a page
(spiders/pages/_walk.pyx).  Everything else is in pyproject.toml.

The extension is optional.  Where it cannot be built (no C compiler, or a
build without Cython: `pip install --no-build-isolation`), the package
installs with the same walks in Python, 2-5 times slower on those steps
(`python benchmarks/extraction.py` says which ran).
"""

import sys

from setuptools import Extension, setup


def extensions() -> list[Extension]:
    try:
        import lxml
        from Cython.Build import cythonize
    except ImportError as exc:
        print(f"paperwall: building without the compiled walks ({exc})", file=sys.stderr)
        return []
    walk = Extension("spiders.pages._walk", ["spiders/pages/_walk.pyx"], include_dirs=lxml.get_include(), optional=True)
    return cythonize([walk], language_level=3)


setup(ext_modules=extensions())

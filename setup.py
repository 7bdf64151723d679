"""The compiled part of paperwall: the class index's walk (spiders/pages/_walk.pyx).

Everything else is in pyproject.toml.  The extension is optional: where it
cannot be built (no C compiler), the package installs with the same walk in
Python, 4-5 times slower (`python benchmarks/extraction.py` says which ran).
"""

import lxml
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("spiders.pages._walk", ["spiders/pages/_walk.pyx"], include_dirs=lxml.get_include(), optional=True)],
        language_level=3,
    )
)

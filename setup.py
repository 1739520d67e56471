"""Build of kpixl's one C extension (everything else is in pyproject.toml).

``kpixl.io._sheetscan`` reads worksheet XML several times faster than python-calamine
for the sheets kpixl writes. It is optional: without a C compiler (as on most Windows
machines) the install still succeeds and kpixl reads every sheet with
``kpixl.io.sheet_scan``, the same scanner in Python (slower, same results);
``KPIXL_PURE=1`` makes a build with the extension do the same.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "kpixl.io._sheetscan",
            ["kpixl/io/_sheetscan.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)

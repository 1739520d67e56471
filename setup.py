"""Build of kpixl's one C extension (everything else is in pyproject.toml).

``kpixl.io._sheetscan`` reads worksheet XML several times faster than python-calamine
for the sheets kpixl writes. It is optional: without a C compiler the install still
succeeds and kpixl reads every sheet with python-calamine (slower, same results).
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

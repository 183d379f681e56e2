"""Sandbox image recipes (data, no code): ``Dockerfile.cpu``, ``Dockerfile.cuda`` and ``offline/packages.txt``.

The builder that uses them is ``tools.sandbox.images`` (``aar sandbox build``); see docs/sandbox.md.
"""

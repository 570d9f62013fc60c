"""coevidence: a knowledge graph of evidence about co-creating public services."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("coevidence")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

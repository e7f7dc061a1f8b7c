"""The installed simcomm version, recorded in every output."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("simcomm")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

"""Shared foundation for every aar package: version, logging, config files, run-folder layout.

Every other package may import this one; it imports none of them.
"""

from aar.config_files import ConfigError, load_yaml_model
from aar.logs import configure_logging, get_logger
from aar.runfolder import RunFolder, write_atomic

__version__ = "0.1.0"

__all__ = ["ConfigError", "RunFolder", "__version__", "configure_logging", "get_logger", "load_yaml_model", "write_atomic"]

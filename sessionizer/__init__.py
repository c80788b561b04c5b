"""sessionizer: Segment page views into web sessions, as SQL your warehouse runs."""

from sessionizer.compiler import Kind, Statement, compile
from sessionizer.config import Config, load_config
from sessionizer.plan import Mode

__all__ = ["Config", "Kind", "Mode", "Statement", "compile", "load_config"]
__version__ = "0.1.0"

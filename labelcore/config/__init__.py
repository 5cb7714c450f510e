"""The labeling-config engine: hardened XML parse -> typed tree routed to TagSpecs -> validation."""

from labelcore.config.engine import parse_config
from labelcore.config.tree import ConfigNode, DataKey, ParsedConfig

__all__ = ["ConfigNode", "DataKey", "ParsedConfig", "parse_config"]

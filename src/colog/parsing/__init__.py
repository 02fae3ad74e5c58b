"""Parsing: raw log bytes to a LogTable (readers, formats, OS grammar, Drain templates)."""

from colog.parsing.parser import LOG_SCHEMA, ParseConfig, ParseResult, format_names, parse_paths, resolve_format

__all__ = ["LOG_SCHEMA", "ParseConfig", "ParseResult", "format_names", "parse_paths", "resolve_format"]

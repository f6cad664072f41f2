"""Pure parsers: text/bytes/JSON in, typed model out. No I/O here.

Every parser raises only `ParseError` on bad input (fuzzed with hypothesis).
"""

from deuxvie.parsers.errors import ParseError

__all__ = ["ParseError"]

"""The one exception parsers raise."""


class ParseError(ValueError):
    """Input that cannot be understood; the message says what and where."""

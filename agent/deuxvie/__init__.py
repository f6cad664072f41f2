"""deuxvie: diagnostic and certified data-erasure agent for refurbishing workshops.

Kept empty of imports on purpose: `deuxvie.wire` must import without the agent's
hardware dependencies (the coordination service uses it alone).
"""

__version__ = "0.1.0"

"""Developer tools: the virtual donated PC (QEMU) used by tests and `make demo`.

Nothing here runs on a donated PC; the live image does not need it.
"""

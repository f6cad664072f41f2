"""Probes: what to collect (argv lists, sysfs paths), run through an injected Host.

Each probe returns an Outcome (ok / absent / failed + reason) and never raises for a
missing tool or a failing command.
"""

"""Erasure certificates (PDF) and the facts that labels and certificates share.

`facts` reads a report payload (plain JSON data, docs/report-format.md) and says what may be
stated about it; `pdf` draws the certificate. Nothing here touches hardware.
"""

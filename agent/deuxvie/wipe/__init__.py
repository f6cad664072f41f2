"""Certified erasure: plan (pure) -> firmware/overwrite -> verify -> ErasureRecord.

plan.py decides, engine.py runs plans (one worker per disk), overwrite.py and verify.py
move the bytes, firmware_*.py drive nvme-cli / hdparm / sg3_utils, journal.py makes an
interruption visible to the next run.
"""

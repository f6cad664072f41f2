"""Data files of the grading package (Windows 11 processor list)."""

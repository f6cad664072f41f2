"""Diagnostics: each takes the Host (when it touches hardware), a progress callback and a
time limit, and returns model.diagnostics.DiagnosticResult (passed / warning / failed /
untested, measurements, reasons). A function that could not be tested is UNTESTED, never
PASSED (décret 2022-190)."""

"""Grading: policy as data, pure decisions (SMART evaluation, machine grade) with reasons."""

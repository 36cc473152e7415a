"""Paths the integration tests share (a module of its own: every test directory has a conftest.py,
so importing names from "conftest" would pick whichever was imported first)."""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUTPUT = os.path.join(ROOT, "tests", "output")
RUN = os.path.join(ROOT, "lab", "run")
TARGETS = os.path.join(ROOT, "tests", "integration", "targets")

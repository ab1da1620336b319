"""Helpers for the CNN course notebooks.

Submodules are imported explicitly (``from course_utils import config, data``) so that importing
``course_utils`` itself stays fast and never imports TensorFlow.
"""

__version__ = "0.1.0"

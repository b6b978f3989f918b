"""Import (LinkedIn, Google Contacts, vCard) and export (vCard, CSV, JSON backup).

Pure Python: never imports textual. Every imported string is cleaned like feed text.
"""

from crm_tui.interop.decode import InteropError
from crm_tui.interop.merge import ImportReport
from crm_tui.interop.records import KINDS

__all__ = ["KINDS", "ImportReport", "InteropError"]

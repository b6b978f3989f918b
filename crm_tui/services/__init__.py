"""Use cases shared by the command line and the TUI: the follow-up engine, actions on a
suggestion, drafting, feed refresh, imports, the demo.

Services import the domain, the store, feeds and interop; never ``ui`` or ``cli``
(tests/unit/test_layers.py holds that).
"""

"""Sources that log touches by themselves: mail (and calendars), read by `crm-tui sync`.

:mod:`crm_tui.sources.base` says what a kind of source provides; :mod:`crm_tui.sources.sync`
runs every kind (the list of kinds is ``KINDS`` there, the one place a new kind plugs in).
Nothing here imports textual.
"""

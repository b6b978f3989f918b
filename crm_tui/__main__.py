"""Entry point of the `crm-tui` console script (and of ``python -m crm_tui``)."""

import sys


def main() -> None:
    # Opening the TUI: its first screen's children are forked before the command line's
    # own imports (crm_tui/ui/cold_start.py, start_early); any other command: nothing.
    from crm_tui.ui.cold_start import start_early

    start_early(sys.argv[1:])
    from crm_tui.cli import main as command_line

    command_line()


if __name__ == "__main__":
    main()

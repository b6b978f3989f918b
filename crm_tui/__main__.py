"""Entry point of the `crm-tui` console script."""

from crm_tui.cli import main

if __name__ == "__main__":
    main()

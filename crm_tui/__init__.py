"""crm-tui: a keyboard-driven terminal CRM for people who live on their network."""

__version__ = "0.1.0"

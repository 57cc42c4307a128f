"""PrivDesk's Qt GUI: views over privdesk.core. Core work runs in privdesk.gui.workers, never on the GUI thread."""

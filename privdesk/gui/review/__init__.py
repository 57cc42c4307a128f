"""The Review tab's machinery: the session (project, dataset, span index, undo stack), undo commands,
the detection controller and the keyboard map. The widgets live in privdesk.gui.widgets and the tab
in privdesk.gui.tabs.review_tab."""

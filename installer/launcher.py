"""The bundle's entry point: the `privdesk` executable runs the GUI (privdesk.gui.app:main).

freeze_support() comes before anything else: the detection engine runs in a spawned child, and in a
frozen bundle that child is this same executable started with multiprocessing's arguments.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from privdesk.gui.app import main

    sys.exit(main())

"""`python -m privdesk` opens the GUI, like the `privdesk` command."""

import sys

from privdesk.gui.app import main

sys.exit(main())

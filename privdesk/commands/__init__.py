"""privdesk-cli subcommands, one module each.

Each module defines `register(subparsers)` that adds its parser and sets `handler` to a function
taking the parsed arguments and returning the exit status. COMMANDS lists them in --help order.
Modules import their heavy dependencies inside the handler, so `privdesk-cli --help` stays fast.
"""

COMMANDS = ("inspect", "synth", "detect", "mask", "reidentify", "train", "tune_tagger", "evaluate")

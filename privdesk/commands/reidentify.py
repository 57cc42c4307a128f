"""privdesk-cli reidentify: restore the original data from a masked file and its vault."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from privdesk.commands.common import StderrProgress


def register(commands) -> None:
    parser = commands.add_parser(
        "reidentify", help="restore the original data from a masked file and its vault",
        description="Restore the original values of a file written by `privdesk-cli mask` from its "
                    "re-identification vault. Every replaced value (tags, surrogates, hashes, ciphertexts, "
                    "masks, redactions, shifted or generalised dates) comes back, and the file is written in "
                    "the same format and layout. The vault is checked in full first: a wrong passphrase, a "
                    "changed vault or a changed masked file is refused.")
    parser.add_argument("masked", type=Path, metavar="OUTPUT", help="the masked file, as mask wrote it")
    parser.add_argument("--vault", type=Path, required=True, help="the vault written with it")
    parser.add_argument("--passphrase-file", type=Path, required=True, metavar="F",
                        help="file holding the vault passphrase")
    parser.add_argument("--secret-file", type=Path, metavar="F",
                        help="optional: check that the vault was made with this secret file's project")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="RESTORED", help="file to write")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from privdesk.core.mask import VaultError, read_passphrase_file, reidentify_file
    from privdesk.core.mask.keying import SECRET_BYTES, secret_binding_id

    expected = None
    if args.secret_file is not None:
        try:
            secret = args.secret_file.read_bytes()
        except OSError as error:
            raise VaultError(f"the secret file cannot be read ({error.strerror}).", path=args.secret_file) from None
        if len(secret) != SECRET_BYTES:
            raise VaultError("is not a PrivDesk secret file.", path=args.secret_file)
        expected = secret_binding_id(secret)
    passphrase = read_passphrase_file(args.passphrase_file)
    progress = StderrProgress("restore")
    try:
        summary = reidentify_file(args.masked, args.vault, passphrase, args.output, expected_project_id=expected,
                                  progress=progress)
    finally:
        progress.close()
    print(f"restored {summary.values_restored:,} values in {summary.cells_restored:,} cells of {summary.rows:,} "
          f"records; wrote {summary.output_path}", file=sys.stderr)
    return 0

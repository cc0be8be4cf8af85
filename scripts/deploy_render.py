#!/usr/bin/env python3
"""Fill the @KEY@ placeholders of a file of deploy/ (docs/DEPLOY.md), print the result.

    python3 scripts/deploy_render.py deploy/nginx/permanences.conf \\
        SERVER_NAME=permanences.exemple.fr APP_SERVER_1=10.0.0.11:8000 ... > permanences.conf

Each file lists its keys at its top. Every key must be given, and every key
given must be in the file: a typo fails instead of leaving a placeholder.
tests/deploy/ renders the same files with the same function.
"""

import re
import sys
from pathlib import Path

KEY = re.compile(r"@([A-Z][A-Z0-9_]*)@")


def render(text: str, values: dict[str, str]) -> str:
    """`text` with each @KEY@ replaced by values[KEY]; ValueError when a key lacks or is unknown."""
    wanted = set(KEY.findall(text))
    if missing := sorted(wanted - values.keys()):
        raise ValueError(f"Valeurs manquantes : {', '.join(missing)}")
    if unknown := sorted(values.keys() - wanted):
        raise ValueError(f"Clés absentes du fichier : {', '.join(unknown)}")
    return KEY.sub(lambda match: values[match[1]], text)


def main(argv: list[str]) -> int:
    if not argv or any("=" not in arg for arg in argv[1:]):
        print(__doc__, file=sys.stderr)
        return 2
    values = dict(arg.split("=", 1) for arg in argv[1:])
    try:
        sys.stdout.write(render(Path(argv[0]).read_text(encoding="utf-8"), values))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

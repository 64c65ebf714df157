"""``python -m smarketing``: the same command as ``smarketing``."""

from smarketing.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""``python -m tools.scorer ...`` is ``aar scorer ...`` without loading the rest of the CLI (a faster start)."""

from aar import configure_logging
from tools.scorer.cli import scorer_app

if __name__ == "__main__":
    configure_logging()
    scorer_app(prog_name="aar scorer")

"""Init container of every app pod: waits until the database schema is at the newest Alembic
revision the image ships (the migration Job applies it), so no pod runs on an old schema.
`--once` checks a single time and exits 1 when the schema is behind."""
import os
import sys
import time

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine


def schema_is_current(engine, heads: set) -> bool:
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    except Exception as error:  # noqa: BLE001 - not reachable yet is the same as not ready
        print(f"database not ready: {type(error).__name__}", flush=True)
        return False


def main() -> int:
    config = Config(os.path.join(os.getcwd(), "alembic.ini"))
    config.set_main_option("script_location", os.path.join(os.getcwd(), "business", "migrations"))
    heads = set(ScriptDirectory.from_config(config).get_heads())
    engine = create_engine(os.environ["DATABASE_URL"])
    while not schema_is_current(engine, heads):
        if "--once" in sys.argv:
            return 1
        print(f"waiting for the migration Job: schema not at {sorted(heads)}", flush=True)
        time.sleep(3)
    print("schema is current", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

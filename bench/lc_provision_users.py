"""Create N annotator users with fixed API tokens in a labelcore data dir, in one process.

The labelcore counterpart of /work/shared/bench/ls-provision-users.py, for lsbench's W4 with distinct
users (``annotate --tokens-file``). Same effect as ``labelcore user create --email ... --token ...``
N times, but one interpreter start instead of N (on a loaded 2-core box each CLI start costs
~2 CPU-seconds). Safe while the server runs (plain write transactions). Existing users keep
their token only if it was written by an earlier run of this script (it is re-set to a new one).

    .venv/bin/python bench/lc_provision_users.py 50 /tmp/lc-bench/tokens50.txt --data-dir /tmp/lc-bench
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--email-prefix", default="u")
    args = parser.parse_args()

    from sqlmodel import select

    from labelcore.cli import _settings
    from labelcore.db import make_engine, migrate, write_session
    from labelcore.models import User
    from labelcore.services.users import create_user, set_api_key

    engine = make_engine(_settings(args.data_dir))
    migrate(engine)
    tokens = []
    with write_session(engine) as session:
        for i in range(1, args.count + 1):
            email = f"{args.email_prefix}{i}@example.com"
            token = secrets.token_hex(20)
            user = session.exec(select(User).where(User.email == email)).first()
            if user is None:
                create_user(session, email, None, token)
            else:
                set_api_key(session, user, token)
            tokens.append(token)
    args.out.write_text("\n".join(tokens) + "\n")
    print(f"{len(tokens)} tokens -> {args.out}")


if __name__ == "__main__":
    main()

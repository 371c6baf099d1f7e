"""Entry script of the frozen Reelkeep (PyInstaller). Installed as `reelkeep` in the bundle.

freeze_support() must run first: the probe pool uses the "spawn" start method, whose workers re-run this
executable with --multiprocessing-fork; freeze_support() turns those into pool workers instead of a second
copy of the app.

REELKEEP_BUNDLE_CHECK=1 runs packaging/bundle_check.py instead of the app (used by packaging/build.sh to prove
that the bundle's libmpv and OpenTimelineIO adapters work; not an app feature).
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    os.environ.setdefault("LC_NUMERIC", "C")
    if os.environ.get("REELKEEP_BUNDLE_CHECK") == "1":
        import bundle_check

        sys.exit(bundle_check.main())
    from app.__main__ import main

    sys.exit(main())

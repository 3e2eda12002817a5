"""Serve an app factory the way ``qualbridge serve`` does, for the load bench (QualBridge and its floor
alike): ``python -m bench.serve MODULE:FACTORY --port P --workers N``.

The HTTP parser and the event loop are named rather than left to uvicorn's choice: a missing C parser or
loop then fails here instead of being measured. No access log."""

from __future__ import annotations

import argparse

from qualbridge import serving


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__)
    parser.add_argument("factory", help="the app factory, module:function")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    serving.serve(
        args.factory,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http="httptools",
        loop="uvloop",
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()

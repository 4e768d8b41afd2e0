"""``stmarket dashboard``: check the inputs, warm the model up and serve the Solara page."""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import socket
import sys
import time

from stmarket.experiments.cli.argtypes import (
    add_target_args,
    check_workers,
    int_in,
    load_targets_from_args,
    target_marks,
    targets_for_later,
)
from stmarket.experiments.dashboard import i18n as di
from stmarket.experiments.dashboard.app import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ENV_DEFAULTS,
    render_figures,
)
from stmarket.experiments.dashboard.refresh import refresh
from stmarket.experiments.dashboard.settings import (
    DEFAULT_PROFILE,
    DEFAULT_RUNS,
    DEFAULT_SCENARIO,
    DEFAULT_SEED,
    get_profile,
    get_scenario,
    initial_settings,
)
from stmarket.model.errors import InputError

#: The module Solara serves: the page and its caches live there.
APP_MODULE = "stmarket.experiments.dashboard.app"



def is_local(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def add_parser(sub) -> None:
    """Add ``dashboard`` to argparse subparsers ``sub``."""
    p = sub.add_parser(
        "dashboard", help="live dashboard in the browser: sliders for the six task groups",
        description="A Solara web app for policy advisors: sliders for the yearly budget and "
                    "start year of the six task groups, a Monte Carlo of the settings and "
                    "the starting scenario on the same runs at every change, the "
                    "probability of each target with its interval and the paired "
                    "difference, fan charts, and one run's network of buyers and sellers, "
                    "in English or Vietnamese. Open the printed address in a browser; "
                    "Ctrl+C stops it.")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help="address to listen on (default: 127.0.0.1, this machine only; "
                        "another address makes the dashboard reachable from the network, "
                        "with no login)")
    p.add_argument("--port", type=int_in(1, 65535), default=DEFAULT_PORT,
                   help=f"port (default: {DEFAULT_PORT})")
    p.add_argument("--profile", default=DEFAULT_PROFILE,
                   help=f"province profile (default: {DEFAULT_PROFILE})")
    p.add_argument("--scenario", default=DEFAULT_SCENARIO,
                   help=f"starting scenario, which sets the sliders (default: {DEFAULT_SCENARIO})")
    add_target_args(p, default="each profile's own")
    p.add_argument("--runs", type=int_in(10, 20_000), default=DEFAULT_RUNS,
                   help=f"Monte Carlo runs per scenario at each change (default: {DEFAULT_RUNS})")
    p.add_argument("--seed", type=int_in(0, 2**62 - 1), default=DEFAULT_SEED,
                   help=f"random seed, the same at every change (default: {DEFAULT_SEED})")
    p.add_argument("--workers", type=int_in(1, 4096), default=None,
                   help="threads (default: all cores); results do not depend on it")
    p.add_argument("--lang", choices=di.LANGS, default="en",
                   help="language the page opens in (default: en)")


def _check_port(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host.strip("[]"), port))
        except OSError as exc:
            raise InputError("argument", "--port", f"cannot listen on {host}:{port} "
                                                   f"({exc.strerror}); choose another "
                                                   "--port or --host") from None


def serve(host: str, port: int, defaults: dict) -> None:
    """Run the Solara app with uvicorn until interrupted (no telemetry, no browser)."""
    os.environ["SOLARA_APP"] = APP_MODULE
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    # no "This website runs on Solara" banner and no "Made with Solara" loader: every
    # word on the page is in the page's language
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "False"
    os.environ["SOLARA_THEME_LOADER"] = "plain"
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    os.environ[ENV_DEFAULTS] = json.dumps(defaults)
    import warnings

    import uvicorn

    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")

    config = uvicorn.Config("solara.server.starlette:app", host=host.strip("[]"), port=port,
                            log_level="warning", ws_max_size=64 * 2**20)
    uvicorn.Server(config).run()


def run_cli(args: argparse.Namespace) -> int:
    """``stmarket dashboard``: check the inputs, warm the model up, serve the page."""

    if not args.host.strip():
        raise InputError("argument", "--host", "must be a host name or address such as "
                                               "127.0.0.1, got an empty string")
    check_workers(args.workers)
    prof = get_profile(args.profile)
    get_scenario(args.scenario)
    targets = load_targets_from_args(args, prof)  # checked against the profile's years
    chosen = None if args.targets is None else targets_for_later(args.targets)
    marks = tuple(target_marks(args, targets))
    if not is_local(args.host):
        print(f"warning: listening on {args.host}: anyone who can reach this machine can use "
              "the dashboard (it has no login); use --host 127.0.0.1 to keep it local",
              file=sys.stderr)
    _check_port(args.host, args.port)
    s = initial_settings(args.profile, args.scenario, args.runs, args.seed, chosen, marks)
    t0 = time.perf_counter()
    r = refresh(s, prof, args.workers)  # compiles the kernels on first use, fills the cache
    render_figures(r, args.lang)
    print(f"stmarket dashboard: {prof.id}, targets {targets.id} ({targets.path}), starting "
          f"from {args.scenario}, {args.runs} runs per change (ready in "
          f"{time.perf_counter() - t0:.1f} s)")
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"open http://{host}:{args.port}/ in a browser; Ctrl+C stops it", flush=True)
    serve(args.host, args.port, {"profile": args.profile, "scenario": args.scenario,
                                 "runs": args.runs, "seed": args.seed, "lang": args.lang,
                                 "workers": args.workers, "targets": chosen,
                                 "thresholds": [list(m) for m in s.thresholds]})
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m stmarket.experiments.cli.dashboard [options]``: ``stmarket dashboard``."""
    parser = argparse.ArgumentParser(prog="stmarket")
    sub = parser.add_subparsers(dest="command")
    add_parser(sub)
    args = parser.parse_args(["dashboard", *(sys.argv[1:] if argv is None else argv)])
    try:
        return run_cli(args)
    except InputError as exc:
        print(f"stmarket dashboard: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

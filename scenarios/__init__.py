"""Bundled data (TOML only): province profiles, policy scenarios, worlds, targets,
observations and sweep designs."""

if __name__ != "stmarket.scenarios":  # the source folder imported by its bare name
    raise ImportError(
        "this folder is the package stmarket.scenarios: install the project "
        "(pip install -e .) and import stmarket.scenarios"
    )


"""Experiments on the model: single runs, reports and the command line."""

if __name__ != "stmarket.experiments":  # the source folder imported by its bare name
    raise ImportError(
        "this folder is the package stmarket.experiments: install the project "
        "(pip install -e .) and import stmarket.experiments"
    )


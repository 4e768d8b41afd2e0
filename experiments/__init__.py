"""Experiments on the model: single runs, reports and the command line."""

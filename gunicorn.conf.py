"""gunicorn's configuration file: the settings live in config/gunicorn_conf.py (the same
module `relais run` hands to gunicorn as `python:config.gunicorn_conf`)."""

from config.gunicorn_conf import *  # noqa: F403

"""Pure functions over one email: no I/O, no Flask, no Redis, no clock, no environment.

Per pushed email, in order: `normalize.normalize_email` -> `links.extract_links` ->
`detectors.run_detectors` -> `exclusions.excluded` -> `rules.evaluate` (with rules
compiled once by `rules.compile_rules`) -> `schedule.schedule` per target ->
`payload.build_payload`.
"""

"""Many recordings from one jobs file: `tdw-recorder batch jobs.toml --out DIR`.

`jobs` reads the file into `Job`s (each a `CaptureSettings`, checked before anything starts), `worker`
records one job in its own process (its own headless display and sound server), `local` and `ray_pool`
run workers on this machine or on a Ray cluster, `runner` drives either one (retries, resume, manifest),
`manifest` keeps what was recorded (`manifest.json` / `manifest.csv` in the output folder) and `progress`
shows it on stderr. Nothing here imports Qt.
"""

"""Legal apps whose module does things at import that real apps do."""
import os, threading, time, tempfile
import flask_apps

# a background worker (non-daemon) as a real service might start, e.g. a scheduler
def _worker():
    while True:
        time.sleep(0.5)

threading.Thread(target=_worker, name="scheduler", daemon=False).start()
app = flask_apps.app

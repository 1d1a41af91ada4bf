import os, tempfile
import flask_apps
CHDIR_TO = tempfile.mkdtemp(prefix="chdir_app_")
os.chdir(CHDIR_TO)
app = flask_apps.app

"""The folder of the hook server script (``serve.py``), which runs in build
environments. A folder of its own because the script's folder is on sys.path while it
starts: nothing else here may shadow a module a backend imports."""

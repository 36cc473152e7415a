# Stand-in for the get-pip script that ansible-test downloads to bootstrap pip in its sanity
# virtual environments. These machines cannot reach that download host, so `make sanity`
# places this file in ansible-test's cache. It installs pip from the interpreter's bundled
# wheel (ensurepip, in a subprocess: run in-process it turns pip's configuration off for the
# rest of the process) and then runs pip with the arguments it was given.
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
if args:
    subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)

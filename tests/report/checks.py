"""The check-and-count helper the report tests share: each check prints a
FAIL line with expected vs actual detail, and finish() exits 1 on any."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

counts = {"passed": 0, "failed": 0}


def check(what, ok, detail=""):
    if ok:
        counts["passed"] += 1
    else:
        counts["failed"] += 1
        print(f"FAIL: {what}" + (f": {detail}" if detail else ""))
    return ok


def finish():
    print(f"{counts['passed']} passed, {counts['failed']} failed")
    sys.exit(1 if counts["failed"] else 0)


def chromium_binary():
    """Chromium's path; without one, exits 77 (skipped), or 1 when STORMLAB_REQUIRE_CHROMIUM=1 (.ci/run)."""
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("STORMLAB_REQUIRE_CHROMIUM") == "1":
        print("FAIL: chromium is not installed (cmake/install-deps.sh installs it)")
        sys.exit(1)
    print("SKIP: chromium is not installed; run cmake/install-deps.sh")
    sys.exit(77)


def chromium(binary, url, *extra):
    """Runs headless Chromium on url in a fresh profile; returns (exit code, stdout, console lines from stderr)."""
    profile = tempfile.mkdtemp()
    try:
        r = subprocess.run([binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                            "--disable-component-update", "--disable-sync", "--no-first-run",
                            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *extra, url],
                           capture_output=True, text=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    console = [l for l in r.stderr.splitlines() if re.search(r"CONSOLE[:(]", l)]
    return r.returncode, r.stdout, console

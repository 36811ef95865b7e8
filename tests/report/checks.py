"""The check-and-count helper the report tests share: each check prints a
FAIL line with expected vs actual detail, and finish() exits 1 on any."""
import sys

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

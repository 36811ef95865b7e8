"""The independent oracle of the impact tests: a run's scenario.resolved.yaml
cut into one block of lines per event, and the CLI run on a copy with some
events' blocks deleted (no stormlab code decides what is removed)."""
import json
import subprocess


def event_blocks(lines):
    """Line numbers of each event, from its "  - at:" to the next."""
    start = lines.index("events:")
    blocks, cur, end = [], None, start + 1
    while end < len(lines) and (lines[end].startswith("  ") or lines[end] == ""):
        if lines[end].startswith("  - at:"):
            cur = [end]
            blocks.append(cur)
        elif cur is not None and lines[end]:
            cur.append(end)
        end += 1
    return blocks


def run_without(stormlab, lines, blocks, removed, path, out):
    """Writes lines without the blocks of the events in removed to path,
    runs `stormlab sim` on it into out and returns its summary.json."""
    drop = set()
    for j in removed:
        drop.update(blocks[j])
    text = "\n".join(l for n, l in enumerate(lines) if n not in drop)
    if len(set(removed)) == len(blocks):
        text = text.replace("events:\n", "events: []\n")
    open(path, "w").write(text)
    subprocess.run([stormlab, "sim", path, "--out", out, "--no-plots", "-q"], check=True)
    return json.load(open(f"{out}/summary.json"))

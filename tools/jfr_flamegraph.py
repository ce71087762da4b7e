#!/usr/bin/env python3
"""A flame graph (SVG) and the hottest methods from the execution samples of a JFR recording.

Record a run with JFR, then draw its samples (Java threads only: the collector's time is not in
them, `bench` prints it separately):

    java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -XX:+UseSerialGC \
      -XX:MaxNewSize=256m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=100 -XX:PretenureSizeThreshold=1m \
      -Drecformer.relaunch=false \
      -XX:StartFlightRecording=filename=step.jfr,settings=profile \
      -jar target/recformer.jar bench train-step --size base --seq 512 --batch-size 4 --steps 3 --warmup-steps 1
    python3 tools/jfr_flamegraph.py step.jfr --last 24 --out step.svg

`--last S` keeps the samples of the recording's last S seconds (the measured steps, not the model's
set-up). Frames are merged by class and method (lines and parameters dropped), from the thread's
first frame (bottom) to the sampled one (top); a box's width is its share of the samples. Stacks
deeper than --stack-depth are cut at the bottom by JFR and drawn under a "(truncated)" root.
JDK frames above the project's last frame (the Vector API's inlined loads, `Objects.checkIndex`,
`Arrays.fill`) are folded into that frame unless --keep-jdk: JFR attributes most of the matrix
kernel's samples to the inlined `Objects.checkIndex` of its loads, whose range checks C2 removed.
Needs the JDK's `jfr` tool on the PATH.
"""
import argparse
import collections
import html
import re
import subprocess
import sys

FRAME = re.compile(r"^\s{4}(\S.*?)(?:\(.*\))?(?: line: \d+)?$")
TIME = re.compile(r"startTime = (\d+):(\d+):(\d+\.\d+)")
PROJECT = "org.recformer."
JDK = ("java.", "jdk.", "sun.")


def samples(path, depth):
    """The execution samples of a recording, read through `jfr print` (see parse)."""
    text = subprocess.run(["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", str(depth), path],
                          check=True, capture_output=True, text=True).stdout
    return parse(text)


def parse(text):
    """Yields (seconds of the day, thread name, frames from the sampled one down) per execution sample of `jfr print`'s text."""
    for event in text.split("jdk.ExecutionSample {")[1:]:
        time = TIME.search(event)
        thread = re.search(r'sampledThread = "([^"]*)"', event)
        frames, truncated = [], False
        in_stack = False
        for line in event.splitlines():
            if line.strip() == "stackTrace = [":
                in_stack = True
            elif in_stack and line.strip() == "]":
                break
            elif in_stack and line.strip() == "...":
                truncated = True
            elif in_stack:
                match = FRAME.match(line)
                if match:
                    frames.append(match.group(1))
        if truncated:
            frames.append("(truncated)")
        if time and frames:
            h, m, s = time.groups()
            yield int(h) * 3600 + int(m) * 60 + float(s), thread.group(1) if thread else "?", frames


def fold_jdk(frames):
    """Frames from the project's last (deepest) one down: what the JDK code it inlined or called did counts as its own."""
    for i, name in enumerate(frames):
        if name.startswith(PROJECT):
            return frames[i:]
    return frames


def short(method):
    return method[len(PROJECT):] if method.startswith(PROJECT) else method


def color(name):
    """Our code warm, the Vector API green, the JDK blue; the shade from the name, so a method keeps its color."""
    shade = sum(ord(c) for c in name) % 40
    if name.startswith("jdk.incubator.vector."):
        return f"rgb({70 + shade},{170 + shade * 2 % 60},{90 + shade})"
    if name.startswith(JDK) or name == "(truncated)":
        return f"rgb({90 + shade},{140 + shade},{200 + shade % 40})"
    return f"rgb({215 + shade % 40},{110 + shade * 2},{40 + shade})"


def draw(tree, total, title, out, width=1200, row=16, min_share=0.001):
    """Writes the flame graph of `tree` (name -> [count, children]) as an SVG file."""
    boxes = []

    def walk(children, x, level):
        for name, (count, grandchildren) in sorted(children.items()):
            w = count / total * width
            if count / total >= min_share:
                boxes.append((x, level, w, name, count))
                walk(grandchildren, x, level + 1)
            x += w

    walk(tree, 0.0, 0)
    levels = max((b[1] for b in boxes), default=0) + 1
    height = (levels + 2) * row + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="monospace" font-size="11">',
             f'<rect width="100%" height="100%" fill="white"/>',
             f'<text x="{width / 2}" y="{row}" text-anchor="middle" font-size="13">{html.escape(title)}</text>']
    for x, level, w, name, count in boxes:
        y = height - (level + 1) * row - 4
        label = f"{name} ({count} samples, {100 * count / total:.1f}%)"
        parts.append(f'<g><title>{html.escape(label)}</title><rect x="{x:.1f}" y="{y}" width="{max(w - 0.5, 0.5):.1f}" '
                     f'height="{row - 1}" fill="{color(name)}"/>')
        chars = int((w - 4) / 6.6)
        if chars >= 4:
            text = name if len(name) <= chars else name[:chars - 2] + ".."
            parts.append(f'<text x="{x + 2:.1f}" y="{y + row - 4}">{html.escape(text)}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    with open(out, "w") as f:
        f.write("\n".join(parts) + "\n")


def last_seconds(events, seconds):
    """The events of the recording's last `seconds` (JFR prints times of day: past midnight they restart from 0)."""
    days, previous, timed = 0, None, []
    for t, thread, frames in events:
        if previous is not None and t + days * 86400 < previous - 43200:
            days += 1
        previous = t + days * 86400
        timed.append((previous, thread, frames))
    end = max(t for t, _, _ in timed)
    return [e for e in timed if e[0] >= end - seconds]


def merge(events, keep_jdk=False):
    """The samples' call tree (name -> [samples, children], from the threads' first frames), self and total samples per method."""
    tree, self_time, inclusive = {}, collections.Counter(), collections.Counter()
    for _, _, frames in events:
        frames = [short(name) for name in (frames if keep_jdk else fold_jdk(frames))]
        self_time[frames[0]] += 1
        for name in set(frames):
            inclusive[name] += 1
        children = tree
        for name in reversed(frames):
            node = children.setdefault(name, [0, {}])
            node[0] += 1
            children = node[1]
    return tree, self_time, inclusive


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recording")
    parser.add_argument("--out", default="flamegraph.svg")
    parser.add_argument("--last", type=float, help="only the samples of the recording's last LAST seconds")
    parser.add_argument("--stack-depth", type=int, default=128)
    parser.add_argument("--title", default=None)
    parser.add_argument("--top", type=int, default=25, help="how many of the hottest methods to print")
    parser.add_argument("--keep-jdk", action="store_true", help="keep the JDK frames above the project's last frame")
    args = parser.parse_args()
    events = list(samples(args.recording, args.stack_depth))
    if not events:
        sys.exit(f"{args.recording}: no jdk.ExecutionSample events (record with settings=profile or default)")
    if args.last:
        events = last_seconds(events, args.last)
    tree, self_time, inclusive = merge(events, args.keep_jdk)
    total = len(events)
    title = args.title or f"{args.recording}: {total} samples"
    draw(tree, total, title, args.out)
    print(f"{total} samples; flame graph in {args.out}")
    print(f"{'self':>6} {'total':>6}  method (hottest by self time)")
    for name, count in self_time.most_common(args.top):
        print(f"{100 * count / total:5.1f}% {100 * inclusive[name] / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()

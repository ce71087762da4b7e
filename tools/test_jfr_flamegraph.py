#!/usr/bin/env python3
"""Tests of jfr_flamegraph.py on `jfr print` text written here (no JDK needed): python3 tools/test_jfr_flamegraph.py"""
import os
import re
import tempfile
import unittest

import jfr_flamegraph as fg


def event(time, thread, frames, truncated=False):
    lines = [f"jdk.ExecutionSample {{", f"  startTime = {time}", f'  sampledThread = "{thread}" (javaThreadId = 1)',
             '  state = "STATE_RUNNABLE"', "  stackTrace = ["]
    lines += [f"    {frame}" for frame in frames]
    if truncated:
        lines.append("    ...")
    return "\n".join(lines + ["  ]", "}", ""])


KERNEL = ["java.util.Objects.checkIndex(int, int) line: 359",
          "jdk.incubator.vector.FloatVector.fromArray(VectorSpecies, float[], int) line: 2689",
          "org.recformer.backend.cpu.CpuMatmulVector.kernel14x2(float[], int, float[], int, int) line: 250",
          "org.recformer.backend.cpu.CpuMatmulVector.multiply(float[], int) line: 70",
          "org.recformer.backend.cpu.Parallel$Helper.run() line: 180"]
GELU = ["org.recformer.backend.cpu.CpuGeluVector.compute(float[], int) line: 40",
        "org.recformer.backend.cpu.Parallel$Helper.run() line: 180"]
TEXT = (event("10:00:00.000", "main", ["org.recformer.cli.Main.main(String[]) line: 31"])
        + event("10:00:30.000", "recformer-cpu-1", KERNEL)
        + event("10:00:30.010", "recformer-cpu-1", KERNEL)
        + event("10:00:30.020", "recformer-cpu-1", GELU, truncated=True))


class FlameGraphTest(unittest.TestCase):
    def test_parse_reads_time_thread_and_frames_without_lines_or_parameters(self):
        events = list(fg.parse(TEXT))
        self.assertEqual(4, len(events))
        time, thread, frames = events[1]
        self.assertAlmostEqual(10 * 3600 + 30, time)
        self.assertEqual("recformer-cpu-1", thread)
        self.assertEqual("java.util.Objects.checkIndex", frames[0])
        self.assertEqual("org.recformer.backend.cpu.Parallel$Helper.run", frames[-1])
        self.assertEqual("(truncated)", events[3][2][-1])

    def test_jdk_frames_above_the_project_fold_into_its_last_frame(self):
        events = list(fg.parse(TEXT))[1:]
        tree, self_time, total = fg.merge(events)
        self.assertEqual(2, self_time["backend.cpu.CpuMatmulVector.kernel14x2"])
        self.assertNotIn("java.util.Objects.checkIndex", total)
        self.assertEqual(2, tree["backend.cpu.Parallel$Helper.run"][0])  # the truncated stack hangs under its own root
        self.assertEqual(1, tree["(truncated)"][0])
        self.assertEqual(1, tree["(truncated)"][1]["backend.cpu.Parallel$Helper.run"][1]["backend.cpu.CpuGeluVector.compute"][0])
        kept = fg.merge(events, keep_jdk=True)[1]
        self.assertEqual(2, kept["java.util.Objects.checkIndex"])

    def test_last_seconds_keeps_the_end_of_the_recording_across_midnight(self):
        text = (event("23:59:50.000", "main", GELU) + event("23:59:59.500", "main", GELU)
                + event("00:00:00.200", "main", KERNEL) + event("00:00:01.000", "main", KERNEL))
        kept = fg.last_seconds(list(fg.parse(text)), 2)
        self.assertEqual(3, len(kept))
        self.assertEqual("java.util.Objects.checkIndex", kept[-1][2][0])

    def test_boxes_are_as_wide_as_their_share(self):
        events = list(fg.parse(TEXT))[1:3]  # two kernel samples
        events.append(list(fg.parse(TEXT))[0])  # and one of main
        tree, _, _ = fg.merge(events)
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "g.svg")
            fg.draw(tree, 3, "t", out, width=300)
            with open(out) as f:
                svg = f.read()
        widths = {m.group(1): float(m.group(2)) for m in
                  re.finditer(r"<title>(\S+) \(\d+ samples.*?</title><rect x=\"[\d.]+\" y=\"\d+\" width=\"([\d.]+)\"", svg)}
        self.assertAlmostEqual(200 - 0.5, widths["backend.cpu.CpuMatmulVector.kernel14x2"], places=1)
        self.assertAlmostEqual(100 - 0.5, widths["cli.Main.main"], places=1)


if __name__ == "__main__":
    unittest.main()

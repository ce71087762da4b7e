#!/usr/bin/env python3
"""Our matrix product against numpy / OpenBLAS, interleaved shape by shape, on a shared machine.

Each round runs, for every shape, one JVM of MatmulCpuTime (warmed up until the JIT is quiet, then
the median of 9 products) and then numpy on the same shape (tools/matmul_numpy.py, the median of 9
products after one), seconds apart; it prints per shape the medians of both over the
rounds and the median of the per-round ratios ours / numpy. Run from the repository root after
`mvn -B -Pbench package -DskipTests`, with the OpenBLAS tuning variables unset:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 tools/matmul_compare.py --rounds 3 [SHAPE ...]

By default both use all cores and are timed in wall time (MatmulCpuTime --wall). With --cpu-time
both run on one thread and are timed in thread CPU time (numpy with OPENBLAS_NUM_THREADS=1 and
time.thread_time), which the other jobs of a busy machine disturb far less than wall time (they
still share the caches). With --baseline JAR a second build
(e.g. target/benchmarks.jar of an earlier commit) runs in every round too, alternating with the
first, for before/after ratios taken under the same load.

With --interleaved, each round starts one JVM per shape that serves products on request
(MatmulCpuTime --serve) and alternates with numpy for --pairs turns each, a fraction of a second
apart: a turn is untimed products for 50 ms, then two timed ones, then a pause of 0.2 s for that
side's idle threads to stop spinning (OpenBLAS's spin for about 0.1 s). The untimed products take
what the pause leaves behind: caches holding the other side's operands, and threads that the
kernel's scheduler wakes onto one core (for up to a few products of 6 ms, on either side). The load of a
shared machine changes over seconds (both sides swing by 15% in runs of a few seconds), so the
ratio of two turns 0.3 s apart is far steadier than that of two medians taken seconds apart. It
prints, per shape, both sides' median GFLOP/s over all turns, the median ratio over all pairs with
its quartiles, and each round's (each JVM's) median ratio. Prefer it for ratios against numpy:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 tools/matmul_compare.py --interleaved --rounds 2 [--cpu-time]

--java "java OPTIONS" runs our side with these JVM options as well as the launcher's (see matmul_cpu_time).
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import time

if "--cpu-time" in sys.argv:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy loads OpenBLAS
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matmul_numpy  # noqa: E402

SHAPES = ["256", "1024", "2048", "1024x768x768:NT", "1024x3072x768:NT", "1024x768x3072:NT",
          "1024x768x3072:NN", "768x768x1024:TN", "3072x768x1024:TN"]


def ours_wall(jar, shape, java):
    """GFLOP/s on all cores, median of 9 products in wall time."""
    return ours_median(jar, shape, java, [], ["--wall"])


def ours_cpu_time(jar, shape, java):
    """GFLOP/s of one thread, median of 9 products in thread CPU time."""
    return ours_median(jar, shape, java, ["-Drecformer.threads=1"], [])


def huge_pages_on_request():
    """True where Linux gives transparent huge pages to the memory that asks for them (as numpy's arrays do)."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as mode:
            return "[madvise]" in mode.read()
    except OSError:
        return False


def matmul_cpu_time(java, jvm_options, jar, *arguments):
    """The command line of MatmulCpuTime with the engine's JVM options (those `java -jar recformer.jar` adds:
    the Vector API module, the trap limit and, unless --java chooses the pages, huge pages where Linux gives them
    on request; see cli.JvmRelaunch)."""
    pages = ["-XX:+UseTransparentHugePages"] if huge_pages_on_request() and "LargePages" not in java \
        and "TransparentHugePages" not in java else []
    return [*shlex.split(java), "--add-modules", "jdk.incubator.vector", "-XX:PerMethodTrapLimit=10000", *pages, *jvm_options,
            "-cp", jar, "org.recformer.bench.MatmulCpuTime", *arguments]


def ours_median(jar, shape, java, jvm_options, options):
    out = subprocess.run(matmul_cpu_time(java, jvm_options, jar, shape, "9", *options),
                         check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


TURN_WARM_MS = 50  # untimed products at the start of each turn (see the module doc)


def interleaved(jar, shape, java, pairs, cpu_time):
    """Per pair of turns 0.2 s apart: our seconds per product and numpy's (means of two timed products)."""
    clock = time.thread_time if cpu_time else time.perf_counter
    product = matmul_numpy.Product(shape)
    options = ["-Drecformer.threads=1"] if cpu_time else []
    server = subprocess.Popen(matmul_cpu_time(java, options, jar, shape, "--serve", *([] if cpu_time else ["--wall"])),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        if not server.stdout.readline().startswith("ready "):
            raise RuntimeError(f"MatmulCpuTime --serve did not start for {shape}")

        def ours_turn():
            server.stdin.write(f"{TURN_WARM_MS} 2\n")
            server.stdin.flush()
            return statistics.mean(float(t) for t in server.stdout.readline().split())

        def numpy_turn():
            warm_until = time.perf_counter() + TURN_WARM_MS / 1000
            product.seconds(clock)
            while time.perf_counter() < warm_until:
                product.seconds(clock)
            return statistics.mean(product.seconds(clock) for _ in range(2))

        for _ in range(5):
            product.seconds(clock)
        result = []
        for i in range(pairs):
            turns = [ours_turn, numpy_turn] if i % 2 == 0 else [numpy_turn, ours_turn]
            times = {}
            for turn in turns:
                times[turn] = turn()
                time.sleep(0.2)
            result.append((times[ours_turn], times[numpy_turn]))
        return result
    finally:
        server.stdin.close()
        server.wait()


def quartiles(values):
    q = statistics.quantiles(values, n=4)
    return q[0], q[2]


def main_interleaved(args):
    print(f"{'shape':>18}  {'ours':>6}  {'numpy':>6}  GFLOP/s, ours / numpy: median (quartiles) over "
          f"{args.rounds} x {args.pairs} pairs | per round")
    for shape in args.shapes:
        flops = matmul_numpy.flops(shape) / 1e9
        pairs, per_round = [], []
        for _ in range(args.rounds):
            turns = interleaved(args.jar, shape, args.java, args.pairs, args.cpu_time)
            pairs += turns
            per_round.append(statistics.median(b / a for a, b in turns))
        ratios = [b / a for a, b in pairs]
        low, high = quartiles(ratios)
        print(f"{shape:>18}  {flops / statistics.median(a for a, _ in pairs):6.1f}  "
              f"{flops / statistics.median(b for _, b in pairs):6.1f}  {statistics.median(ratios):.3f} "
              f"({low:.3f}-{high:.3f}) | {' '.join(f'{r:.3f}' for r in per_round)}", flush=True)


def numpy_cpu_time(shape):
    """numpy's GFLOP/s in thread CPU time (OpenBLAS on this thread only), median of 9."""
    return matmul_numpy.gflops(shape, 9, clock=time.thread_time)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shapes", nargs="*", default=SHAPES)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jar", default="target/benchmarks.jar")
    parser.add_argument("--java", default="java", help="the java command, with any JVM options (one string)")
    parser.add_argument("--cpu-time", action="store_true", help="one thread each, timed in thread CPU time")
    parser.add_argument("--baseline", help="a second benchmarks.jar run alternately with --jar in every round")
    parser.add_argument("--interleaved", action="store_true", help="alternate single turns of both sides in one JVM per round")
    parser.add_argument("--pairs", type=int, default=30, help="with --interleaved: pairs of turns per round")
    args = parser.parse_args()
    if args.interleaved:
        if args.baseline:
            parser.error("--interleaved takes no --baseline")
        main_interleaved(args)
        return
    run = ours_cpu_time if args.cpu_time else ours_wall
    results = {s: ([], [], []) for s in args.shapes}
    for r in range(args.rounds):
        for shape in args.shapes:
            if args.baseline and r % 2 == 1:
                base, a = run(args.baseline, shape, args.java), run(args.jar, shape, args.java)
            else:
                a = run(args.jar, shape, args.java)
                base = run(args.baseline, shape, args.java) if args.baseline else None
            b = numpy_cpu_time(shape) if args.cpu_time else matmul_numpy.gflops(shape, 9)
            results[shape][0].append(a)
            results[shape][1].append(b)
            results[shape][2].append(base)
            old = f"  baseline {base:6.1f}" if args.baseline else ""
            print(f"round {r + 1} {shape:>18}  ours {a:6.1f}{old}  numpy {b:6.1f} GFLOP/s  ratio {a / b:.2f}", flush=True)
    print(f"{'shape':>18}  {'ours':>6}  {'numpy':>6}  median ratio (min-max) over {args.rounds} rounds"
          + ("  | baseline, its median ratio to numpy" if args.baseline else ""))
    for shape, (a, b, base) in results.items():
        ratios = [x / y for x, y in zip(a, b)]
        old = ""
        if args.baseline:
            old = f"  | {statistics.median(base):6.1f}  {statistics.median([x / y for x, y in zip(base, b)]):.2f}"
        print(f"{shape:>18}  {statistics.median(a):6.1f}  {statistics.median(b):6.1f}  "
              f"{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}){old}")


if __name__ == "__main__":
    main()

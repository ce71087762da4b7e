#!/usr/bin/env python3
"""Disassemble the machine code C2 compiled for a Java method, without the hsdis plugin.

Without hsdis, HotSpot's `-XX:CompileCommand=print,CLASS::METHOD` still prints every compilation
of the method, as hex words. This script takes the last C2 (tier 4) compilation in such a log
(the last on-stack-replacement one with --osr), turns its main code back into bytes, and runs
`objdump` on them. Example, the matmul micro-kernel:

    java --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000 -Drecformer.threads=1 \\
        -XX:+UnlockDiagnosticVMOptions \\
        -XX:CompileCommand=print,*CpuMatmulVector::kernel14x2 -cp target/benchmarks.jar \\
        org.recformer.bench.MatmulCpuTime 1024x768x768:NT 3 > kernel.log
    python3 tools/jit_disasm.py kernel.log | grep -c vfmadd

Offsets in the listing are from the method's verified entry point; the comments HotSpot prints
between the words (relocations, metadata) are dropped.
"""
import argparse
import re
import subprocess
import sys
import tempfile

WORDS = re.compile(r"\s+0x[0-9a-f]+: ([0-9a-f]{2,8}(?: (?:\| )?[0-9a-f]{2,8})*)\s*$")


def main_code(log, osr):
    """The bytes of the last C2 compilation's main code (from its verified entry point)."""
    lines = log.splitlines()
    starts = [i for i, line in enumerate(lines)
              if line.startswith("Compiled method (c2)") and (" % " in line) == osr]
    if not starts:
        sys.exit("no C2 compilation in the log (did the method get hot? was -XX:CompileCommand=print given?)")
    code, inside = bytearray(), False
    for line in lines[starts[-1]:]:
        if line.startswith("[Verified Entry Point]"):
            inside = True
        elif inside and (line.startswith("[Stub Code]") or line.startswith("[Exception Handler]")
                         or line.startswith("----")):
            break
        elif inside:
            words = WORDS.match(line)
            if words:
                code += bytes.fromhex(words.group(1).replace("|", "").replace(" ", ""))
    return code


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log", help="output of a JVM run with -XX:CompileCommand=print,...")
    parser.add_argument("--osr", action="store_true", help="the last on-stack-replacement compilation instead")
    args = parser.parse_args()
    code = main_code(open(args.log, errors="replace").read(), args.osr)
    with tempfile.NamedTemporaryFile(suffix=".bin") as out:
        out.write(code)
        out.flush()
        subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", out.name], check=True)


if __name__ == "__main__":
    main()

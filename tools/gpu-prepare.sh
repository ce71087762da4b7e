#!/usr/bin/env bash
# Prepares what tools/gpu-check.sh needs on a GPU machine that has no Maven, no network and maybe
# no Java. Run here, then carry the listed paths to the device machine:
#   target/classes target/test-classes target/gpu-check target/jre
# Builds: the classes (with the kernels fatbin when nvcc is present), the test classes, the runtime
# and test dependencies plus the JUnit console launcher in target/gpu-check/, and a jlink-ed Java
# runtime in target/jre: the modules `jdeps --print-module-deps --ignore-missing-deps --multi-release 17
# -cp <dependencies> target/classes` names (java.base, java.desktop, java.management, java.sql,
# jdk.incubator.vector) less java.desktop (only the training plots use it; 12 MB), plus java.logging
# and jdk.unsupported for the libraries and the JUnit launcher. About 55 MB carried in all.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests  # the classes, the test classes and target/recformer.jar (its minimized fastutil)
rm -rf target/gpu-check target/jre
mvn -B -q dependency:copy-dependencies -DincludeScope=test -DoutputDirectory=target/gpu-check/lib \
  -DexcludeGroupIds=org.junit.jupiter,org.junit.platform,org.opentest4j,org.apiguardian,org.openjdk.jmh
mvn -B -q dependency:copy -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4 \
  -DoutputDirectory=target/gpu-check -Dmdep.stripVersion=true
# jfreechart (plots) and progressbar are not used by the check; leave them out of the carried files
rm -f target/gpu-check/lib/jfreechart-*.jar target/gpu-check/lib/progressbar-*.jar target/gpu-check/lib/jline-*.jar
# fastutil is 24 MB whole: carry the classes the shaded jar kept (maven-shade's minimizeJar), to stay under the
# device tool's 64 MiB of carried files
slim=$(mktemp -d)
shaded="$PWD/target/recformer.jar"
(cd "$slim" && unzip -q "$shaded" 'it/unimi/*' && jar cf fastutil.jar it)
rm target/gpu-check/lib/fastutil-*.jar
mv "$slim/fastutil.jar" target/gpu-check/lib/fastutil-minimized.jar
rm -rf "$slim"
# JCuda's natives jar also holds the PTX compiler and runtime bindings (24 MB); the backend loads only the driver binding
natives=$(ls "$PWD"/target/gpu-check/lib/jcuda-natives-*.jar)
slim=$(mktemp -d)
(cd "$slim" && unzip -q "$natives" 'lib/libJCudaDriver-*' && jar cf slim.jar lib)
mv "$slim/slim.jar" "$natives"
rm -rf "$slim"
jlink --add-modules java.base,java.logging,java.management,java.sql,jdk.unsupported,jdk.incubator.vector \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output target/jre
du -sh target/classes target/test-classes target/gpu-check target/jre

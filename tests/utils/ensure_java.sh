#!/usr/bin/env bash
# ansible-rulebook runs its rules engine (Drools, through drools_jpy) in a Java 17+ JVM. Does
# nothing when `java` is 17 or newer; otherwise installs Debian's headless JRE 17 (root, or sudo).
set -euo pipefail

java_major() {
    # `java -version` prints e.g.: openjdk version "17.0.15" 2025-04-15 (or "1.8.0_392" for Java 8).
    local version
    version=$(java -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
    version=${version#1.}
    echo "${version%%[.+-]*}"
}

if command -v java >/dev/null 2>&1 && [ "$(java_major)" -ge 17 ] 2>/dev/null; then
    exit 0
fi
echo "ansible-rulebook needs Java 17 or newer; installing openjdk-17-jre-headless" >&2
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "not root and no sudo: install a Java 17+ runtime (e.g. openjdk-17-jre-headless) by hand" >&2
    exit 1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless
if ! [ "$(java_major)" -ge 17 ] 2>/dev/null; then
    echo "java is still older than 17 after the install: point JAVA_HOME and PATH at a Java 17+ runtime" >&2
    exit 1
fi

# Shared by the launchers in bin/: finds a JDK 25+, builds the project when needed, runs a main class.
# Sourced, not executed.

quicbond_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

java_major() { # prints the major version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1
}

find_jdk() {
  local candidate v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v=$(java_major "$JAVA_HOME/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$JAVA_HOME"; return 0; fi
  fi
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/* \
                   /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* ; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    v=$(java_major "$candidate/bin/java")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$candidate"; return 0; fi
  done
  if command -v java >/dev/null 2>&1; then
    v=$(java_major "$(command -v java)")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then dirname "$(dirname "$(readlink -f "$(command -v java)")")"; return 0; fi
  fi
  return 1
}

require_jdk() {
  if ! QUICBOND_JAVA_HOME=$(find_jdk); then
    echo "quicbond needs a JDK 25 or newer. None found in JAVA_HOME, /usr/lib/jvm, /opt or on the PATH" >&2
    echo "(the default 'java' here is $(java -version 2>&1 | head -n1 || echo 'missing'))." >&2
    echo "Install one (e.g. Temurin 25) or point JAVA_HOME at it." >&2
    exit 3
  fi
  export JAVA_HOME="$QUICBOND_JAVA_HOME"
}

# Maven's own libraries call sun.misc.Unsafe, which JDK 25 warns about on every run; that noise is not ours.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"

require_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "quicbond builds with Apache Maven ('mvn'), which is not on the PATH; install it (apt-get install maven)." >&2
    exit 3
  fi
}

# Builds when any source or pom is newer than the last build stamp.
ensure_built() {
  local stamp="$quicbond_root/interop/target/classpath.txt"
  if [ -f "$stamp" ] && [ -z "$(find "$quicbond_root" -path '*/target' -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.json' -path '*/resources/*' \) -newer "$stamp" -print -quit)" ]; then
    return 0
  fi
  require_maven
  echo "building quicbond (first run or sources changed; about a minute)..." >&2
  local log
  log=$(mktemp)
  # Maven's output is kept out of the way unless the build fails. One reactor build, no install: the class path
  # names this tree's own module jars, and nothing is written to ~/.m2 (an install there let another checkout's
  # modules, or a module build with -pl, pick up this one's jars).
  if ! (cd "$quicbond_root" && mvn -B -Dstyle.color=never -DskipTests package dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt >"$log" 2>&1); then
    cat "$log" >&2
    rm -f "$log"
    echo "build failed (Maven's output above)" >&2
    exit 2
  fi
  rm -f "$log"
  # The plugin leaves an unchanged file alone; the stamp must say "built now".
  touch "$stamp"
}

run_main() { # main class, args...
  local main="$1"; shift
  require_jdk
  ensure_built
  local cp
  cp="$quicbond_root/quic-transport/target/classes:$quicbond_root/bond-server/target/classes:$quicbond_root/bond-client/target/classes:$quicbond_root/interop/target/classes:$(cat "$quicbond_root/interop/target/classpath.txt")"
  exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED ${QUICBOND_JAVA_OPTS:-} -cp "$cp" "$main" "$@"
}

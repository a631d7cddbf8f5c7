# Sourced by ./isthmus and ./build: finds a JDK >= 25 and sets ISTHMUS_JAVA_HOME.
# Order: $JAVA_HOME when it is a JDK >= 25, then the usual install folders.
isthmus_java_major() {  # prints the major version of the java at $1/bin/java, or nothing
  [ -x "$1/bin/java" ] || return 0
  local spec
  if [ -f "$1/release" ]; then
    spec=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  fi
  if [ -z "$spec" ]; then
    spec=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
  fi
  echo "$spec"
}
isthmus_find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-2[5-9]* /usr/lib/jvm/*-2[5-9]* /usr/lib/jvm/java-2[5-9]* \
           /usr/lib/jvm/jdk-2[5-9]* /opt/java/openjdk /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* \
           /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(isthmus_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ] 2>/dev/null; then ISTHMUS_JAVA_HOME="$c"; return 0; fi
  done
  echo "isthmus: needs a JDK 25 or newer; none found (JAVA_HOME=${JAVA_HOME:-unset}, /usr/lib/jvm). Install one (e.g. Temurin 25) or point JAVA_HOME at it." >&2
  return 1
}

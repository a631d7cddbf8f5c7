#!/usr/bin/env bash
# Regenerates the jextract bindings of oneDNN in src/main/java/dev/isthmus/nativebind/onednn/gen from the headers
# inside the Maven artifact the module depends on, keeping only the symbols listed in onednn-symbols.txt, and records
# the header version and the jextract used in src/main/resources/dev/isthmus/nativebind/onednn/gen/bindings.properties.
#
# Needs: `jextract` on PATH (https://github.com/openjdk/jextract; it is in no package registry: build it yourself,
# outside this repository), Maven (the artifact is fetched into the local repository), unzip.
# Override the jar with DNNL_JAR=/path/to/dnnl-<version>-linux-x86_64.jar (no network needed then).
#
# The generated files are not edited by hand: change onednn-symbols.txt and run this script again.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)

prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$here/pom.xml" | head -n 1; }
group=org.bytedeco
artifact=dnnl
version=$(prop onednn.version)
classifier=$(prop onednn.classifier)
[ -n "$version" ] && [ -n "$classifier" ] || { echo "cannot read onednn.version / onednn.classifier from $here/pom.xml" >&2; exit 1; }
package=dev.isthmus.nativebind.onednn.gen
gen_dir="$here/src/main/java/${package//.//}"
props_dir="$here/src/main/resources/${package//.//}"

command -v jextract >/dev/null || { echo "jextract is not on PATH (see the comment at the top of $0)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/isthmus-jextract.XXXXXX")
trap 'rm -rf "$work"' EXIT

jar=${DNNL_JAR:-}
if [ -z "$jar" ]; then
  . "$root/tools/jdk.sh"
  isthmus_find_jdk
  JAVA_HOME="$ISTHMUS_JAVA_HOME" MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" mvn -B -ntp -q org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="$group:$artifact:$version:jar:$classifier" -DoutputDirectory="$work/jar" >&2
  jar="$work/jar/$artifact-$version-$classifier.jar"
fi
[ -f "$jar" ] || { echo "no such jar: $jar" >&2; exit 1; }

unzip -q "$jar" "org/bytedeco/dnnl/$classifier/include/*" -d "$work/x"
inc="$work/x/org/bytedeco/dnnl/$classifier/include"
header="$inc/oneapi/dnnl/dnnl.h"
define() { sed -n "s/^#define $1 \(.*\)$/\1/p" "$2" | tr -d '"' | head -n 1; }
hv="$(define DNNL_VERSION_MAJOR "$inc/oneapi/dnnl/dnnl_version.h").$(define DNNL_VERSION_MINOR "$inc/oneapi/dnnl/dnnl_version.h").$(define DNNL_VERSION_PATCH "$inc/oneapi/dnnl/dnnl_version.h")"
hash=$(define DNNL_VERSION_HASH "$inc/oneapi/dnnl/dnnl_version_hash.h" | tr -d "[:space:]")

# Every symbol jextract could emit, with its kind; keep the listed ones (the whole dnnl.h does not compile: it has an
# anonymous union clang 16 rejects, and most of it is unused).
jextract -I "$inc" --dump-includes "$work/all.txt" "$header" >/dev/null 2>&1
: > "$work/filter.txt"
missing=0
while read -r sym; do
  line=$(grep -E "^--include-[a-z]+ +$sym( |\$)" "$work/all.txt" | head -n 1 || true)
  if [ -z "$line" ]; then echo "symbol not in the headers: $sym" >&2; missing=1; continue; fi
  echo "$line" | awk '{print $1, $2}' >> "$work/filter.txt"
done < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$here/onednn-symbols.txt" | grep -v '^$')
[ "$missing" -eq 0 ] || exit 1

# No -l: the library is loaded by exact path at run time (OneDnnLibrary), never by name.
jextract -I "$inc" -t "$package" --header-class-name dnnl_h --output "$work/out" @"$work/filter.txt" "$header"

rm -rf "$gen_dir"
mkdir -p "$(dirname "$gen_dir")" "$props_dir"
mv "$work/out/${package//.//}" "$gen_dir"
jx=$(jextract --version 2>&1 | head -n 1)
{
  echo "# Written by native-bindings/regenerate-bindings.sh; do not edit."
  echo "artifact=$group:$artifact:$version:$classifier"
  echo "header.version=$hv"
  echo "header.hash=$hash"
  echo "jextract=$jx"
  echo "symbols=$(wc -l < "$work/filter.txt" | tr -d ' ')"
} > "$props_dir/bindings.properties"
echo "generated $(find "$gen_dir" -name '*.java' | wc -l) files in $gen_dir from oneDNN $hv headers ($jx)"

#!/usr/bin/env bash
# Instructions per parsed message, per parser and message, under callgrind:
# stable where wall-clock timings are noisy. Each pair is run with N and 2N
# iterations; (Ir(2N) - Ir(N)) / N cancels start-up and one-time costs.
#
# usage: bench/callgrind.sh [BENCH] [N]
#   BENCH  the sip_parse_bench executable, or a build dir that holds
#          bench/sip_parse_bench (default: $SIP_PARSE_BENCH, else ./build)
#   N      iterations of the shorter run (default 200)
set -euo pipefail

bench=${1:-${SIP_PARSE_BENCH:-build}}
n=${2:-200}
[[ -d $bench ]] && bench=$bench/bench/sip_parse_bench
[[ -x $bench ]] || { echo "callgrind.sh: no executable at $bench" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind not found" >&2; exit 1; }
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "callgrind.sh: bad N '$n'" >&2; exit 1; }

messages_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/messages" && pwd)
messages=(invite_sdp ok_record_route register_auth notify_body large_4k)
parsers=(cosip sofia-sip libre)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Total instructions of one run.
instructions() {  # parser file iterations
  local out=$tmp/callgrind.out
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bench" --callgrind "$1" "$2" "$3" >/dev/null 2>"$tmp/valgrind.log" ||
    { cat "$tmp/valgrind.log" >&2; exit 1; }
  awk '/^totals:/ { print $2; found = 1 } END { exit !found }' "$out"
}

echo "instructions per message: callgrind, (Ir(2N) - Ir(N)) / N with N = $n"
echo "ratio = best anchor instructions / cosip instructions (> 1: cosip executes fewer)"
echo
printf '%-22s %6s' message bytes
printf ' %12s' "${parsers[@]}"
printf '  %s\n' 'best anchor/cosip'
for m in "${messages[@]}"; do
  file=$messages_dir/$m.sip
  printf '%-22s %6d' "$m.sip" "$(stat -c %s "$file")"
  per_msg=()
  for p in "${parsers[@]}"; do
    short=$(instructions "$p" "$file" "$n")
    long=$(instructions "$p" "$file" $((2 * n)))
    per_msg+=($(( (long - short) / n )))
    printf ' %12d' "${per_msg[-1]}"
  done
  # > 1: cosip executes fewer instructions than the better anchor.
  awk -v c="${per_msg[0]}" -v s="${per_msg[1]}" -v l="${per_msg[2]}" \
    'BEGIN { b = s < l ? s : l; printf "  %.2fx vs %s\n", b / c, s < l ? "sofia-sip" : "libre" }'
done

#!/usr/bin/env bash
# Every benchmark on SQLite and on a throwaway PostgreSQL (started like .ci does, removed
# at the end), then the plot. Results: bench/results/*.json; plot: docs/bench-size.png.
#
#   bench/run_all.sh            # the default runs (about 40 minutes in all)
#   bench/run_all.sh --quick    # the quick modes (a few minutes in all)
#
# Needs the bench extra: pip install -e '.[bench]'
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=/dev/null
source .ci/postgres.sh
start_postgres
trap stop_postgres EXIT
export TRADEGUARD_BENCH_PG_URL="$PG_URL"

for database in sqlite postgres; do
    python -m bench.flows --database "$database" "$@"
    python -m bench.reminders --database "$database" "$@"
    python -m bench.memory --database "$database" "$@"
    python -m bench.growth --database "$database" "$@"
done
plot=()
for arg in "$@"; do
    if [ "$arg" = "--quick" ]; then plot+=(--quick); fi
done
python -m bench.plot "${plot[@]}"

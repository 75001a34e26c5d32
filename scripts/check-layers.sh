#!/usr/bin/env bash
# `make lint`: the layers point one way. Each module may import only what is listed here;
# any other `import` (in Sources/ or in Benchmarks/) fails the lint, naming file and line.
# Stats is pure (no SQL, logging or storage), only Storage speaks SQL (GRDB), readers
# (Ingest) know nothing of publishing (Report), renderers (Report) nothing of reading
# (Ingest, Storage), and nothing imports the executable.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [SurveyModel]=""
  [Stats]="SurveyModel CNumberText Foundation Glibc Darwin"
  [Storage]="SurveyModel Stats CShims GRDB GRDBSQLite Foundation Glibc Darwin"
  [Ingest]="SurveyModel Storage TOMLKit Crypto Logging Foundation Glibc Darwin CLibXML2 ZIPFoundation Dispatch"
  [Report]="SurveyModel Stats CLibXML2 CXlsxWriter Mustache ZIPFoundation Logging Foundation Glibc Darwin"
  [Export]="SurveyModel CReadStat Foundation Glibc Darwin"
  [Stages]="SurveyModel Stats Storage Ingest Report Export CShims CNumberText Crypto Logging Foundation Glibc Darwin"
  [CommandLineInterface]="Stages SurveyModel ArgumentParser Logging Foundation Glibc Darwin"
  [pipeline]="CommandLineInterface"
  [Benchmarks]="Stages Logging Foundation Glibc Darwin"
)
status=0
for module in "${!allowed[@]}"; do
  dir="Sources/$module"; [ "$module" = Benchmarks ] && dir=Benchmarks
  [ -d "$dir" ] || continue
  while IFS=: read -r file line text; do
    name=$(echo "$text" | sed -E 's/^[[:space:]]*(@testable[[:space:]]+)?import[[:space:]]+([A-Za-z0-9_]+).*/\2/')
    if ! [[ " ${allowed[$module]} " == *" $name "* ]]; then
      echo "$file:$line: $module may not import $name (allowed: ${allowed[$module]:-nothing})"
      status=1
    fi
  done < <(grep -nE '^[[:space:]]*(@testable[[:space:]]+)?import[[:space:]]' -r "$dir" --include='*.swift' | sed -E 's/^([^:]+):([0-9]+):/\1:\2:/')
done
for module in Sources/*/; do
  m=$(basename "$module")
  [[ -v allowed[$m] ]] || [[ "$m" == CShims || "$m" == CNumberText || "$m" == CLibXML2 || "$m" == CXlsxWriter || "$m" == CReadStat ]] || { echo "$module: a module the layer rules do not know; add it to scripts/check-layers.sh"; status=1; }
done
# Readers free of the database: in Ingest only the ingest transaction (Ingester*.swift,
# IngestTransaction*.swift) may know Storage; every reader and the validator build and are
# tested without it.
while IFS=: read -r file line text; do
  base=$(basename "$file")
  case "$base" in Ingester*.swift|IngestTransaction*.swift) continue ;; esac
  echo "$file:$line: a reader may not import Storage (only Ingester*.swift and IngestTransaction*.swift)"
  status=1
done < <(grep -nE '^[[:space:]]*(@testable[[:space:]]+)?import[[:space:]]+Storage\b' -r Sources/Ingest --include='*.swift')
[ $status -eq 0 ] && echo "layers: every import allowed"
exit $status

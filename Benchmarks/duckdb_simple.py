"""`make bench`: DuckDB's simple query, the yardstick of issue 9.

    python Benchmarks/duckdb_simple.py FOLDER --out FILE.csv

Reads the survey folder's inbox directly (inbox/paper/*.csv with read_csv and
inbox/portal/*.jsonl with read_json, by glob, as an analyst would) and computes, per unit x
quarter x Likert item, over both channels:

    n          answers on the item's scale (1..5; blanks, nulls and out-of-range codes dropped)
    satisfied  answers in survey.toml's [survey] satisfied (4 and 5)
    p          satisfied / n
    wilson     the Wilson score interval at [survey] confidence_level (0.95)

Rows with an unreadable date and units not in units.csv are left out; a truncated portal
line is skipped (ignore_errors). It does not resolve duplicates or conflicts, weight, or
check anything: it is the simple query the pipeline is compared with, not a second pipeline.
The result is written to FILE.csv (so the work cannot be optimised away) and one JSON line
on stdout says how long the query took inside the process and how many rows it wrote.
"""

import argparse
import json
import statistics
import sys
import time
import tomllib
from pathlib import Path

import duckdb


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def build_query(folder: Path, survey: dict) -> str:
    items = [item for item in survey["items"] if item.get("kind") == "likert5"]
    if not items:
        sys.exit("duckdb_simple: survey.toml has no likert5 items")
    ids = [item["id"] for item in items]
    all_ids = [item["id"] for item in survey["items"]]
    satisfied = [int(v) for v in survey["survey"].get("satisfied", [4, 5])]
    level = float(survey["survey"].get("confidence_level", 0.95))
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    paper_cols = survey.get("columns", {}).get("paper", {})
    portal_cols = survey.get("columns", {}).get("portal", {})
    form_id = paper_cols.get("form_id", "form_id")
    unit = paper_cols.get("unit", "unit")
    date = paper_cols.get("date", "date")
    comment = paper_cols.get("comment", "comment")
    p_unit = portal_cols.get("unit", "unit")
    p_time = portal_cols.get("submitted_at", "submitted_at")
    p_answers = portal_cols.get("answers", "answers")

    # Paper: the header names the columns; types given so nothing is sniffed per file.
    csv_columns = {form_id: "VARCHAR", unit: "VARCHAR", date: "VARCHAR"}
    csv_columns.update({i: "TINYINT" for i in all_ids})
    csv_columns[comment] = "VARCHAR"
    csv_columns_sql = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in csv_columns.items()) + "}"
    answers_struct = "STRUCT(" + ", ".join(f'"{i}" TINYINT' for i in all_ids) + ")"
    json_columns = {
        portal_cols.get("id", "id"): "VARCHAR",
        p_unit: "VARCHAR",
        p_time: "VARCHAR",
        portal_cols.get("dossier_code", "dossier_code"): "VARCHAR",
        p_answers: answers_struct,
        portal_cols.get("comment", "comment"): "VARCHAR",
    }
    json_columns_sql = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in json_columns.items()) + "}"
    paper_glob = sql_string(str(folder / "inbox" / "paper" / "*.csv"))
    portal_glob = sql_string(str(folder / "inbox" / "portal" / "*.jsonl"))
    units_csv = sql_string(str(folder / "units.csv"))
    scale = "BETWEEN 1 AND 5"
    aggregates = ", ".join(f'count(*) FILTER (WHERE "{i}" {scale}) AS "n_{i}", '
                           f'count(*) FILTER (WHERE "{i}" IN ({", ".join(str(v) for v in satisfied)})) AS "s_{i}"' for i in ids)
    unpivot_pairs = ", ".join(f'("n_{i}", "s_{i}") AS "{i}"' for i in ids)
    paper_items = ", ".join(f'"{i}"' for i in ids)
    portal_items = ", ".join(f'{p_answers}."{i}" AS "{i}"' for i in ids)
    z2 = z * z
    return f"""
WITH paper AS (
    SELECT "{unit}" AS unit,
           coalesce(try_strptime("{date}", '%d/%m/%Y'), try_strptime("{date}", '%Y-%m-%d'))::DATE AS day,
           {paper_items}
    FROM read_csv({paper_glob}, header = true, delim = ',', quote = '"', escape = '"',
                  columns = {csv_columns_sql}, auto_detect = false)
), portal AS (
    -- The generator's portal times carry +07:00, the survey's zone: the local date is the text's.
    SELECT "{p_unit}" AS unit, try_strptime(substr("{p_time}", 1, 10), '%Y-%m-%d')::DATE AS day,
           {portal_items}
    FROM read_json({portal_glob}, format = 'newline_delimited', columns = {json_columns_sql},
                   ignore_errors = true)
), forms AS (
    SELECT * FROM paper UNION ALL SELECT * FROM portal
), cells AS (
    -- One pass over the forms: per unit x quarter, n and satisfied of every item side by side.
    SELECT unit, year(day) AS y, quarter(day) AS qn, {aggregates}
    FROM forms
    WHERE day IS NOT NULL AND unit IN (SELECT code FROM read_csv({units_csv}, header = true, all_varchar = true))
    GROUP BY unit, y, qn
), counts AS (
    UNPIVOT cells ON {unpivot_pairs} INTO NAME item VALUE n, satisfied
)
SELECT unit, y || '-Q' || qn AS period, item, n, satisfied, satisfied / n AS p,
       (satisfied / n + {z2!r} / (2 * n)) / (1 + {z2!r} / n)
         - {z!r} / (1 + {z2!r} / n) * sqrt(satisfied / n * (1 - satisfied / n) / n + {z2!r} / (4 * n * n)) AS wilson_lower,
       (satisfied / n + {z2!r} / (2 * n)) / (1 + {z2!r} / n)
         + {z!r} / (1 + {z2!r} / n) * sqrt(satisfied / n * (1 - satisfied / n) / n + {z2!r} / (4 * n * n)) AS wilson_upper
FROM counts
WHERE n > 0
ORDER BY unit, y, qn, item
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--show-sql", action="store_true", help="print the query and stop")
    args = parser.parse_args()
    folder = args.folder.resolve()
    with open(folder / "survey.toml", "rb") as f:
        survey = tomllib.load(f)
    query = build_query(folder, survey)
    if args.show_sql:
        print(query)
        return
    args.out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    con = duckdb.connect()  # in memory, every core (DuckDB's default)
    con.execute(f"COPY ({query}) TO {sql_string(str(args.out))} (HEADER, DELIMITER ',')")
    elapsed = time.perf_counter() - start
    rows = con.execute(f"SELECT count(*) FROM read_csv({sql_string(str(args.out))}, header = true)").fetchone()[0]
    print(json.dumps({"query_seconds": round(elapsed, 4), "rows": rows, "duckdb": duckdb.__version__,
                      "threads": con.execute("SELECT current_setting('threads')").fetchone()[0]}))


if __name__ == "__main__":
    main()

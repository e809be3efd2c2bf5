// duckdb_sums.js — the comparison of bench/mzbench: DuckDB computes only the weighted sums of
// a canonical extract (per Kreis and group: the ten measures of mzatlas and the case count),
// read with read_csv, with a given number of threads.
//
//   node duckdb_sums.js FILE THREADS REPEAT MODULE_DIR
//
// MODULE_DIR is a directory with node_modules/@duckdb/node-api (installed there with
// `npm install @duckdb/node-api`, outside the repository). Prints one JSON line:
// {"version": ..., "threads": T, "seconds": [...], "groups": G, "population": P, "records": N}
'use strict';
const path = require('path');
const { createRequire } = require('module');

async function main() {
  const [file, threadsArg, repeatArg, moduleDir] = process.argv.slice(2);
  if (!file || !moduleDir) {
    console.error('usage: node duckdb_sums.js FILE THREADS REPEAT MODULE_DIR');
    process.exit(2);
  }
  const threads = Number(threadsArg || 2);
  const repeat = Number(repeatArg || 3);
  const load = createRequire(path.join(path.resolve(moduleDir), 'package.json'));
  const { DuckDBInstance } = load('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await instance.connect();
  const version = (await con.runAndReadAll('SELECT version() AS v')).getRows()[0][0];

  const band = 'age BETWEEN 18 AND 64';
  const quoted = file.replace(/'/g, "''");
  const sql = `
    SELECT kreis, mig > 0 AS with_mh,
      sum(weight) AS population,
      sum(weight) FILTER (WHERE ${band}) AS population_band,
      sum(weight) FILTER (WHERE ${band} AND ilo = 1) AS employed_band,
      sum(weight) FILTER (WHERE ${band} AND ilo = 2) AS unemployed_band,
      sum(weight) FILTER (WHERE ilo = 1) AS employed,
      sum(weight) FILTER (WHERE ilo = 1 AND selfemp = 1) AS self_employed,
      sum(weight) FILTER (WHERE ilo = 1 AND sector = 1) AS employed_agriculture,
      sum(weight) FILTER (WHERE ilo = 1 AND sector = 2) AS employed_production,
      sum(weight) FILTER (WHERE ilo = 1 AND sector = 3) AS employed_trade,
      sum(weight) FILTER (WHERE ilo = 1 AND sector = 4) AS employed_services,
      count(*) AS n
    FROM read_csv('${quoted}', header = true,
                  types = {'year': 'INTEGER', 'kreis': 'VARCHAR', 'psu': 'VARCHAR',
                           'stratum': 'VARCHAR', 'weight': 'DOUBLE', 'age': 'INTEGER',
                           'sex': 'INTEGER', 'mig': 'INTEGER', 'ilo': 'INTEGER',
                           'selfemp': 'INTEGER', 'sector': 'INTEGER'})
    GROUP BY kreis, with_mh`;

  const seconds = [];
  let rows = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    rows = (await con.runAndReadAll(sql)).getRows();
    seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  let population = 0;
  let records = 0;
  for (const r of rows) {
    population += Number(r[2]);
    records += Number(r[12]);
  }
  console.log(JSON.stringify({ version, threads, seconds, groups: rows.length, population,
                               records }));
}

main().catch((e) => {
  console.error(String(e && e.stack ? e.stack : e));
  process.exit(1);
});

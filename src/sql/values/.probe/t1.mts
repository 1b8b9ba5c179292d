import { PGlite } from '@electric-sql/pglite';
import { pgliteOracle } from '../sql-oracle.js';

const db = await PGlite.create();
const o = pgliteOracle(db);
console.log(
  JSON.stringify(
    await o.query(
      `select true, 1::int8, 1.5::float8, '{1,2}'::int4[], now(), '1 day'::interval, 1e300::float8, 0.1::float4, current_setting('TimeZone'), version()`,
    ),
  ),
);

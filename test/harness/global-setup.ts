// Runs once before all suites: says plainly which suites will be skipped on this machine and why.
import { pgUnavailableReason } from './postgres-server.js';

export default function setup(): void {
  const reason = pgUnavailableReason();
  if (reason) {
    console.warn(`\n[switchyard] SKIPPING every suite marked [real PostgreSQL]: ${reason}.\n`);
  }
}

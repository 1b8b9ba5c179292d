// Starts a partition worker from TypeScript sources (tests, `tsx`, a development checkout): registers
// tsx's loader in this thread, then imports the worker. The built package starts partition-worker.js
// directly and never loads this file.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.entry);

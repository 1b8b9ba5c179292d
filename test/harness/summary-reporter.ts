// Ends a test run with one plain line, `tests: N passed, N failed, N skipped`, that any CI can read
// whatever the runner, and names the suites skipped on this machine.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedSuites = new Set<string>();
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else {
          skipped++;
          const suite = test.parent.type === 'suite' ? test.parent.name : module.moduleId;
          skippedSuites.add(suite);
        }
      }
    }
    if (skippedSuites.size > 0) console.log(`\nskipped suites: ${[...skippedSuites].join('; ')}`);
    console.log(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  }
}

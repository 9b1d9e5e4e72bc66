// Appends each jest run's pass/fail counts to the file named by PUSHWIRE_TEST_TALLY, so `npm test`
// can print one closing line for the whole workspace (nx runs one jest per project and target).
// Runs outside `npm test` (no variable) write nothing.
const fs = require('node:fs');

class TallyReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.PUSHWIRE_TEST_TALLY;
    if (!file) return;
    const line = JSON.stringify({
      cwd: process.cwd(),
      config: process.argv.join(' '),
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    });
    fs.appendFileSync(file, line + '\n');
  }
}
module.exports = TallyReporter;

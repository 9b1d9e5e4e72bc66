// Appends each jest run's pass/fail counts to .pushwire/test-tally.jsonl so `npm test` can print
// one closing line for the whole workspace (nx runs one jest per project and target).
const fs = require('node:fs');
const path = require('node:path');

class TallyReporter {
  onRunComplete(_contexts, results) {
    const dir = path.join(__dirname, '../../.pushwire');
    fs.mkdirSync(dir, { recursive: true });
    const line = JSON.stringify({
      cwd: process.cwd(),
      config: process.argv.join(' '),
      passed: results.numPassedTests,
      failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
      skipped: results.numPendingTests + results.numTodoTests,
    });
    fs.appendFileSync(path.join(dir, 'test-tally.jsonl'), line + '\n');
  }
}
module.exports = TallyReporter;

// Mocha's spec output for people, then one plain `N passed, N failed` line for CI,
// which reads only the last line of the run.
const Mocha = require("mocha");

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(EVENT_RUN_END, () => {
            const { passes, failures, pending } = this.stats;
            const skipped = pending > 0 ? `, ${pending} skipped` : "";
            process.stdout.write(`\n${passes} passed, ${failures} failed${skipped}\n`);
        });
    }
}

module.exports = SummaryReporter;

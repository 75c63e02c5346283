// Stops at once, with the way out, on a Node.js older than package.json's engines: run first by
// `npm test` (pretest), mocha (.mocharc.json) and the Pulumi program (index.ts's first import), so
// an old Node says why instead of failing tests or a deployment half-way. `npm ci` stops earlier,
// on npm's own engine check (.npmrc engine-strict). Plain CommonJS an old Node can read.

const { engines } = require("../package.json");
const required = Number(/^>=(\d+)$/.exec(engines.node)[1]);
if (Number(process.versions.node.split(".")[0]) < required) {
    process.stderr.write(
        `lambda-power-tuned needs Node.js ${required}+ (this is ${process.version}): \`nvm use\`, or run \`.ci/run\`, which fetches it.\n`,
    );
    process.exit(1);
}

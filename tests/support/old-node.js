// Preloaded with --require (or NODE_OPTIONS) to make a process report an older Node.js, so the
// Node version guards can be run as a user on Node 20 would meet them.

const version = process.env.FAKE_NODE_VERSION || "20.18.0";
Object.defineProperty(process, "version", { value: `v${version}` });
Object.defineProperty(process, "versions", { value: { ...process.versions, node: version } });

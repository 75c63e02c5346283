// Fingerprints and compresses a document: the kind of CPU-bound work whose speed, and so
// whose cost, depends on the memory size, because Lambda gives CPU in proportion to memory.
// Plain Node.js 22 with built-in modules only: nothing to install, nothing to build.
"use strict";

const { createHash } = require("node:crypto");
const { gzipSync } = require("node:zlib");

/** Accepted range of each event field: [min, max]. */
const LIMITS = {
    documentKb: [1, 4096],
    rounds: [1, 1000],
};

/**
 * A document of exactly `kb` KiB of CSV order lines. Generated rather than sent, so that a
 * small event (the power-tuning payload) can ask for a large piece of work; deterministic,
 * so the same event always does the same work and returns the same fingerprint.
 */
function buildDocument(kb) {
    const size = kb * 1024;
    const lines = [];
    let length = 0;
    for (let order = 0; length < size; order++) {
        const line = `${order},customer-${order % 997},sku-${(order * 7919) % 10007},${(order * 31) % 500}.${String(order % 100).padStart(2, "0")}\n`;
        lines.push(line);
        length += line.length;
    }
    return Buffer.from(lines.join(""), "ascii").subarray(0, size);
}

function wholeNumberField(event, field) {
    const [min, max] = LIMITS[field];
    const value = event === null || typeof event !== "object" ? undefined : event[field];
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(`${field} must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}`);
    }
    return value;
}

/**
 * Event: { documentKb, rounds }. Hashes the document `rounds` times, each round over the
 * previous round's digest and the whole document (a key-stretching chain, so no round can be
 * skipped), then gzips it once.
 */
exports.handler = async (event) => {
    const documentKb = wholeNumberField(event, "documentKb");
    const rounds = wholeNumberField(event, "rounds");
    const document = buildDocument(documentKb);

    let digest = Buffer.alloc(0);
    let bytesHashed = 0;
    for (let round = 0; round < rounds; round++) {
        bytesHashed += digest.length + document.length;
        digest = createHash("sha256").update(digest).update(document).digest();
    }
    const compressed = gzipSync(document, { level: 6 });

    return {
        documentKb,
        rounds,
        sha256: digest.toString("hex"),
        bytesHashed,
        documentBytes: document.length,
        compressedBytes: compressed.length,
    };
};

exports.buildDocument = buildDocument;

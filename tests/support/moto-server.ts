// moto, a third-party emulator of AWS's APIs (`python3 -m moto.server`), started on a free port
// for a spec and stopped after it. It speaks the services' real wire protocols, with its own
// fidelity: what it labels, pages or validates can differ from AWS (see docs/testing.md). Its
// request recorder hands back every request a real client sent, read back as AwsCalls (service,
// operation, input under the SDK's member names) so the IAM simulator can judge them.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { AwsCall } from "./iam-requests";

export interface Moto {
    readonly endpoint: string;
    /** The environment the runner (or the SDK) needs to reach moto for every service it calls, and nothing else. */
    env(): NodeJS.ProcessEnv;
    /** Forgets what was recorded and records from now on. */
    startRecording(): Promise<void>;
    /** Stops recording; the calls recorded since startRecording. */
    stopRecording(): Promise<AwsCall[]>;
    stop(): Promise<void>;
}

const REGION = "us-east-1";
const STARTUP_MS = 60_000;

/** Why moto cannot run here, or undefined when it can. */
export function motoMissing(): string | undefined {
    const probe = spawnSync("python3", ["-c", "import moto.server"], { encoding: "utf8" });
    if (probe.error !== undefined) return `python3 is not installed (${probe.error.message})`;
    return probe.status === 0
        ? undefined
        : `moto is not installed for python3 (pip install 'moto[server]'): ${probe.stderr.trim().split("\n").at(-1)}`;
}

async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

/** Starts moto and waits until it answers. */
export async function startMoto(): Promise<Moto> {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const directory = mkdtempSync(path.join(tmpdir(), "moto-"));
    const child: ChildProcess = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
        env: { ...process.env, MOTO_RECORDER_FILEPATH: path.join(directory, "recording.jsonl") },
        stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-2000)));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
        rmSync(directory, { recursive: true, force: true });
    };
    const recorder = async (action: string) => {
        const response = await fetch(`${endpoint}/moto-api/recorder/${action}`, {
            method: action === "download-recording" ? "GET" : "POST",
        });
        if (!response.ok) throw new Error(`moto recorder ${action}: HTTP ${response.status}`);
        return response.text();
    };
    const deadline = Date.now() + STARTUP_MS;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode} before answering: ${log}`);
        const ready = await fetch(`${endpoint}/moto-api/`).then(
            (response) => response.ok,
            () => false,
        );
        if (ready) break;
        if (Date.now() > deadline) {
            await stop();
            throw new Error(`moto did not answer on ${endpoint} within ${STARTUP_MS / 1000} s: ${log}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
        endpoint,
        env() {
            const env: NodeJS.ProcessEnv = { ...process.env };
            for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"]) delete env[name];
            const services = ["LAMBDA", "IAM", "CLOUDWATCH_LOGS", "S3", "STS", "CODECOMMIT", "SFN"];
            return {
                ...env,
                ...Object.fromEntries(services.map((service) => [`AWS_ENDPOINT_URL_${service}`, endpoint])),
                AWS_ACCESS_KEY_ID: "test",
                AWS_SECRET_ACCESS_KEY: "test",
                AWS_REGION: REGION,
                AWS_DEFAULT_REGION: REGION,
                AWS_EC2_METADATA_DISABLED: "true",
            };
        },
        async startRecording() {
            await recorder("reset-recording");
            await recorder("start-recording");
        },
        async stopRecording() {
            await recorder("stop-recording");
            const lines = (await recorder("download-recording")).split("\n").filter((line) => line.trim() !== "");
            return lines.map((line) => awsCallOf(JSON.parse(line)));
        },
        stop,
    };
}

/** One recorded request, as moto's recorder writes it. */
export interface RecordedEntry {
    readonly method: string;
    readonly url: string;
    readonly headers: Record<string, string>;
    readonly body: string | null;
    readonly body_encoded: boolean;
}

/** The service a request was signed for: the SigV4 credential scope `<key>/<date>/<region>/<service>/aws4_request`. */
function signingService(headers: Record<string, string>): string {
    const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(headers.authorization ?? "");
    if (scope === null) throw new Error("unmapped call: an unsigned request");
    return scope[1];
}

/** Lambda's REST routes (the API versions are part of the paths), by method and path. */
const LAMBDA_ROUTES: ReadonlyArray<readonly [method: string, path: RegExp, operation: string]> = [
    ["POST", /^\/2015-03-31\/functions\/?$/, "CreateFunction"],
    ["GET", /^\/2015-03-31\/functions\/?$/, "ListFunctions"],
    ["GET", /^\/2015-03-31\/functions\/([^/]+)\/?$/, "GetFunction"],
    ["DELETE", /^\/2015-03-31\/functions\/([^/]+)\/?$/, "DeleteFunction"],
    ["GET", /^\/2015-03-31\/functions\/([^/]+)\/configuration$/, "GetFunctionConfiguration"],
    ["PUT", /^\/2015-03-31\/functions\/([^/]+)\/configuration$/, "UpdateFunctionConfiguration"],
    ["PUT", /^\/2015-03-31\/functions\/([^/]+)\/code$/, "UpdateFunctionCode"],
    ["GET", /^\/2015-03-31\/functions\/([^/]+)\/versions$/, "ListVersionsByFunction"],
    ["POST", /^\/2015-03-31\/functions\/([^/]+)\/versions$/, "PublishVersion"],
    ["GET", /^\/2015-03-31\/functions\/([^/]+)\/policy$/, "GetPolicy"],
    ["GET", /^\/2020-06-30\/functions\/([^/]+)\/code-signing-config$/, "GetFunctionCodeSigningConfig"],
    ["GET", /^\/2019-09-30\/functions\/([^/]+)\/concurrency$/, "GetFunctionConcurrency"],
    ["GET", /^\/2017-03-31\/tags\/(.+)$/, "ListTags"],
    ["POST", /^\/2017-03-31\/tags\/(.+)$/, "TagResource"],
    ["DELETE", /^\/2017-03-31\/tags\/(.+)$/, "UntagResource"],
];

/** One recorded HTTP request as the call it is; throws for a request it cannot name. */
export function awsCallOf(entry: RecordedEntry): AwsCall {
    const headers = Object.fromEntries(Object.entries(entry.headers).map(([name, value]) => [name.toLowerCase(), value]));
    const body = entry.body === null ? "" : entry.body_encoded ? Buffer.from(entry.body, "base64").toString("utf8") : entry.body;
    const url = new URL(entry.url);
    const service = signingService(headers);
    const target = headers["x-amz-target"];
    if (target !== undefined) {
        const [prefix, operation] = target.split(".");
        if (prefix !== "Logs_20140328") throw new Error(`unmapped call: JSON target ${target}`);
        return { service: "logs", operation, input: body === "" ? {} : JSON.parse(body) };
    }
    if (service === "sts" || service === "iam") return queryCall(service, new URLSearchParams(body));
    if (service === "lambda") {
        for (const [method, route, operation] of LAMBDA_ROUTES) {
            const match = route.exec(url.pathname);
            if (match === null || method !== entry.method) continue;
            const named =
                match[1] === undefined
                    ? {}
                    : operation.endsWith("Resource") || operation === "ListTags"
                      ? { Resource: decodeURIComponent(match[1]) }
                      : { FunctionName: decodeURIComponent(match[1]) };
            return { service, operation, input: { ...named, ...(body === "" ? {} : JSON.parse(body)) } };
        }
        throw new Error(`unmapped call: lambda ${entry.method} ${url.pathname}`);
    }
    if (service === "s3") return s3Call(entry.method, url, headers);
    throw new Error(`unmapped call: ${service} ${entry.method} ${url.pathname}`);
}

/** An STS or IAM query request: Action names the operation; Tags.member.N.Key/Value become Tags. */
function queryCall(service: "sts" | "iam", form: URLSearchParams): AwsCall {
    const operation = form.get("Action");
    if (operation === null) throw new Error(`unmapped call: ${service} query without Action`);
    const input: Record<string, any> = {};
    const tags: Array<{ Key: string; Value: string }> = [];
    for (const [name, value] of form) {
        const tag = /^Tags\.member\.(\d+)\.(Key|Value)$/.exec(name);
        if (tag !== null) tags[Number(tag[1]) - 1] = { ...tags[Number(tag[1]) - 1], [tag[2]]: value };
        else if (name !== "Action" && name !== "Version") input[name] = value;
    }
    return { service, operation, input: tags.length > 0 ? { ...input, Tags: tags } : input };
}

/** A path-style S3 request. */
function s3Call(method: string, url: URL, headers: Record<string, string>): AwsCall {
    const [, bucket, ...keyParts] = url.pathname.split("/");
    const key = keyParts.length === 0 || keyParts.join("/") === "" ? undefined : decodeURIComponent(keyParts.join("/"));
    const on = (operation: string, input: Record<string, any> = {}): AwsCall => ({
        service: "s3",
        operation,
        input: { Bucket: bucket, ...(key === undefined ? {} : { Key: key }), ...input },
    });
    if (key === undefined) {
        if (method === "GET" && url.searchParams.get("list-type") === "2")
            return on("ListObjectsV2", { Prefix: url.searchParams.get("prefix") ?? "" });
        if (method === "HEAD") return on("HeadBucket");
        if (method === "PUT" && url.search === "") return on("CreateBucket");
        throw new Error(`unmapped call: s3 ${method} ${url.pathname}${url.search}`);
    }
    const subresources = [...url.searchParams.keys()].filter((name) => name !== "x-id");
    if (subresources.length > 0) throw new Error(`unmapped call: s3 ${method} ${url.pathname}${url.search}`);
    const encryption = headers["x-amz-server-side-encryption"];
    switch (method) {
        case "GET":
            return on("GetObject");
        case "HEAD":
            return on("HeadObject");
        case "DELETE":
            return on("DeleteObject");
        case "PUT": {
            const copied = headers["x-amz-copy-source"];
            const sse = encryption === undefined ? {} : { ServerSideEncryption: encryption };
            return copied === undefined ? on("PutObject", sse) : on("CopyObject", { CopySource: copied, ...sse });
        }
    }
    throw new Error(`unmapped call: s3 ${method} ${url.pathname}${url.search}`);
}

// moto, a third-party emulator of AWS's APIs (`python3 -m moto.server`), started on a free port
// for a spec and stopped after it. It speaks the services' real wire protocols, with its own
// fidelity: what it labels, pages or validates can differ from AWS (see docs/testing.md).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";

export interface Moto {
    readonly endpoint: string;
    /** The environment the runner (or the SDK) needs to reach moto for every service it calls, and nothing else. */
    env(): NodeJS.ProcessEnv;
    stop(): Promise<void>;
}

const REGION = "us-east-1";
const STARTUP_MS = 60_000;

/** Why moto cannot run here, or undefined when it can. */
export function motoMissing(): string | undefined {
    const probe = spawnSync("python3", ["-c", "import moto.server"], { encoding: "utf8" });
    if (probe.error !== undefined) return `python3 is not installed (${probe.error.message})`;
    return probe.status === 0 ? undefined : `moto is not installed for python3 (pip install 'moto[server]'): ${probe.stderr.trim().split("\n").at(-1)}`;
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
    const child: ChildProcess = spawn("python3", ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-2000)));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
    };
    const deadline = Date.now() + STARTUP_MS;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode} before answering: ${log}`);
        const ready = await fetch(`${endpoint}/moto-api/`).then((response) => response.ok, () => false);
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
        stop,
    };
}

// What every SDK client of the run shares: the retries, paging through every page, and the check
// that an answer came from the AWS API at all.
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { loadConfig } from "@smithy/core/config";
import { NODE_MAX_ATTEMPT_CONFIG_OPTIONS, NODE_RETRY_MODE_CONFIG_OPTIONS } from "@smithy/core/retry";
import { Readable } from "node:stream";
import { describeError } from "../core/errors";

/**
 * Every client's retries: the SDK's adaptive mode (its standard retries of throttling and
 * transient errors with jittered exponential backoff, plus a client-side rate limiter that slows
 * the whole run down once AWS throttles) and up to 8 attempts, about a minute of backoff at most:
 * Step Functions' per-account token buckets refill within seconds, and failing a function's
 * tuning over a throttled poll would waste the run. A value set on a client would override
 * AWS_RETRY_MODE / AWS_MAX_ATTEMPTS (and the profile's retry_mode / max_attempts), so these are
 * the defaults of the SDK's own loaders, and those settings still win.
 */
export const RETRIES = {
    retryMode: loadConfig({ ...NODE_RETRY_MODE_CONFIG_OPTIONS, default: "adaptive" }),
    maxAttempts: loadConfig({ ...NODE_MAX_ATTEMPT_CONFIG_OPTIONS, default: 8 }),
};

/** Credentials other than the build's own: a role's session, assumed on the first call and renewed by the client. */
export type Credentials = ReturnType<typeof fromTemporaryCredentials>;

/** A client's configuration: the retries, and `credentials` when given (the build's own otherwise). */
export function clientConfig(credentials?: Credentials) {
    return { ...RETRIES, ...(credentials !== undefined && { credentials }) };
}

/** A session of `params.RoleArn` with the SDK's provider; a refusal names the role and the session. */
export function assumedRole(params: {
    readonly RoleArn: string;
    readonly RoleSessionName: string;
    readonly ExternalId?: string;
}): Credentials {
    const assume = fromTemporaryCredentials({ params: { ...params } });
    return async (properties) => {
        try {
            return await assume(properties);
        } catch (error) {
            throw namedError(
                "AssumeRoleError",
                `AssumeRole of ${params.RoleArn} as session ${params.RoleSessionName} failed: ${describeError(error)}`,
            );
        }
    };
}

/** Every item of every page a paginator yields. */
export async function everyPage<Page, Item>(
    pages: AsyncIterable<Page>,
    items: (page: Page) => readonly Item[] | undefined,
): Promise<Item[]> {
    const all: Item[] = [];
    for await (const page of pages) all.push(...(items(page) ?? []));
    return all;
}

/** The HTTP response as the deserialize step sees it (Node's http handler). */
interface RawResponse {
    statusCode?: number;
    headers?: Record<string, string | undefined>;
    body?: unknown;
}

/**
 * What a client's answers are written in: JSON (Lambda, CloudWatch Logs, Step Functions,
 * CodeCommit) or XML (S3, IAM, STS). Errors included.
 */
export type WireProtocol = "json" | "xml";

/** Whether the content type alone says the answer is the API's: JSON or XML, or a 2xx that is no page. */
function labelledAsAnswer(statusCode: number, contentType: string): boolean {
    return /json|xml/i.test(contentType) || (statusCode < 300 && !/html/i.test(contentType));
}

/** The start of an HTML document, which no AWS protocol answers with. */
const HTML_START = /^<(!doctype\s+html|html[\s>])/i;

/**
 * Whether an answer whose content type does not say so can still be the API's: an empty 2xx
 * (DeleteFunction's 204), or a body that parses in the client's protocol. Emulators (moto,
 * LocalStack) label such answers text/html; a proxy's or firewall's page never parses as JSON
 * and never starts like an XML answer.
 */
export function isApiAnswer(protocol: WireProtocol, statusCode: number, body: string): boolean {
    const text = body.trim();
    if (text === "") return statusCode < 300;
    // AWS's XML starts with a declaration or a capitalized element (<Error>, <ListBucketResult>); HTML's are lower case.
    if (protocol === "xml") return /^<(\?xml[\s?]|[A-Z][\w.-]*[\s/>])/.test(text) && !HTML_START.test(text);
    // Every JSON answer, error or not, is an object.
    try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
    } catch {
        return false;
    }
}

/** What answeredByAws needs of an SDK client: its deserialize step. */
interface ClientWithMiddleware {
    readonly middlewareStack: {
        add(
            middleware: <Args, Result extends { response: unknown }>(
                next: (args: Args) => Promise<Result>,
            ) => (args: Args) => Promise<Result>,
            options: { step: "deserialize"; priority: "low"; name: string },
        ): void;
    };
}

const BODY_START_CHARACTERS = 200;

/**
 * Fails every call whose answer cannot be from AWS (an HTML page from a proxy or a firewall, or
 * a wrong endpoint) with a NotAnAwsResponse error giving the HTTP status and the start of the
 * body, instead of the SDK's parser failing with "inspect the hidden field $response". The error
 * carries the status where the SDK's retries look for it, so a 5xx page is retried like a 5xx
 * from AWS. An answer whose content type says otherwise but whose body is the API's (isApiAnswer)
 * is handed on unchanged. Runs innermost in the deserialize step, next to the HTTP call.
 */
export function answeredByAws<Client extends ClientWithMiddleware>(client: Client, protocol: WireProtocol): Client {
    client.middlewareStack.add(
        (next) => async (args) => {
            const result = await next(args);
            const response = result.response as RawResponse;
            const statusCode = response.statusCode ?? 0;
            if (labelledAsAnswer(statusCode, response.headers?.["content-type"] ?? "") || !(response.body instanceof Readable))
                return result;
            const chunks: Buffer[] = [];
            for await (const chunk of response.body) chunks.push(Buffer.from(chunk));
            const body = Buffer.concat(chunks);
            if (isApiAnswer(protocol, statusCode, body.toString("utf8"))) {
                // The SDK's parser reads the body as a stream; this one has been read.
                response.body = Readable.from(body);
                return result;
            }
            const text = body.toString("utf8").replace(/\s+/g, " ").trim();
            const start =
                text === ""
                    ? "an empty body"
                    : `a body starting ${JSON.stringify(text.length > BODY_START_CHARACTERS ? `${text.slice(0, BODY_START_CHARACTERS)}…` : text)}`;
            const contentType = response.headers?.["content-type"] || "no content type";
            const error = namedError(
                "NotAnAwsResponse",
                `HTTP ${response.statusCode ?? 0} (${contentType}) with ${start}: not an answer from the AWS API; ` +
                    "a proxy or firewall in between, or a wrong endpoint (check HTTPS_PROXY and AWS_ENDPOINT_URL_*)",
            );
            throw Object.assign(error, { $metadata: { httpStatusCode: response.statusCode } });
        },
        { step: "deserialize", priority: "low", name: "failAnswersNotFromAws" },
    );
    return client;
}

export function namedError(name: string, message: string): Error {
    return Object.assign(new Error(message), { name });
}

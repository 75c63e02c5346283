// The model of AWS (aws-model/) served over the real wire protocols — Step Functions JSON 1.0,
// CodeCommit and CloudWatch Logs JSON 1.1, CloudWatch JSON 1.0 (query-compatible errors), Lambda REST-JSON, S3 REST-XML path-style, STS and IAM
// query/XML — so the real SDK
// v3 clients, in-process or inside the bundled runner run as a child process, talk to it
// unchanged via AWS_ENDPOINT_URL_<SERVICE>. Its clock runs `timeScale` times faster than real time.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
    AwsError,
    AwsModel,
    BUILD_ACCESS_KEY_ID,
    definedOnly,
    REGION,
    type AssumeRoleAnswer,
    type QueryAnswer,
    type RecordedRequest,
    type S3ListingAnswer,
    type S3ObjectAnswer,
} from "./aws-model";

export * from "./aws-model";

/** What the HTTP front-end read from a request before the model acts on it. */
interface Operation {
    readonly service: RecordedRequest["service"];
    readonly operation: string;
    readonly body: any;
}

/** x-amz-target prefix → service. */
const JSON_TARGETS: Record<string, "sfn" | "codecommit" | "logs" | "cloudwatch"> = {
    AWSStepFunctions: "sfn",
    CodeCommit_20150413: "codecommit",
    Logs_20140328: "logs",
    // CloudWatch moved from the query protocol to JSON 1.0; the SDK's client speaks it with this target.
    GraniteServiceVersion20100801: "cloudwatch",
};

const CONTENT_TYPES: Record<RecordedRequest["service"], string> = {
    sfn: "application/x-amz-json-1.0",
    codecommit: "application/x-amz-json-1.1",
    logs: "application/x-amz-json-1.1",
    cloudwatch: "application/x-amz-json-1.0",
    lambda: "application/json",
    s3: "application/xml",
    sts: "text/xml",
    iam: "text/xml",
};

/** The query-protocol services: the API version each request names, and the XML namespace of its answers. */
const QUERY_SERVICES = {
    sts: { version: "2011-06-15", namespace: "https://sts.amazonaws.com/doc/2011-06-15/" },
    iam: { version: "2010-05-08", namespace: "https://iam.amazonaws.com/doc/2010-05-08/" },
} as const;

/** Lambda's REST routes, by method and path, with the status each answers on success. */
const LAMBDA_ROUTES: ReadonlyArray<{
    method: string;
    path: RegExp;
    operation: string;
    status: number;
    input: (match: RegExpExecArray, query: URLSearchParams) => object;
}> = [
    {
        method: "GET",
        path: /^\/2015-03-31\/functions\/([^/]+)\/configuration$/,
        operation: "GetFunctionConfiguration",
        status: 200,
        input: (match, query) => ({
            FunctionName: decodeURIComponent(match[1]),
            ...definedOnly({ Qualifier: query.get("Qualifier") ?? undefined }),
        }),
    },
    { method: "GET", path: /^\/2016-08-19\/account-settings\/?$/, operation: "GetAccountSettings", status: 200, input: () => ({}) },
    { method: "GET", path: /^\/2015-03-31\/functions\/?$/, operation: "ListFunctions", status: 200, input: (_, query) => pagingOf(query) },
    {
        method: "DELETE",
        path: /^\/2015-03-31\/functions\/([^/]+)$/,
        operation: "DeleteFunction",
        status: 204,
        input: (match) => ({ FunctionName: decodeURIComponent(match[1]) }),
    },
    {
        method: "GET",
        path: /^\/2015-03-31\/event-source-mappings\/?$/,
        operation: "ListEventSourceMappings",
        status: 200,
        input: (_, query) => ({ ...pagingOf(query), ...definedOnly({ FunctionName: query.get("FunctionName") ?? undefined }) }),
    },
    {
        method: "DELETE",
        path: /^\/2015-03-31\/event-source-mappings\/([^/]+)$/,
        operation: "DeleteEventSourceMapping",
        status: 202,
        input: (match) => ({ UUID: decodeURIComponent(match[1]) }),
    },
];

/** Lambda's Marker and MaxItems query parameters. */
function pagingOf(query: URLSearchParams): object {
    return definedOnly({ Marker: query.get("Marker") ?? undefined, MaxItems: query.get("MaxItems") ?? undefined });
}

export class FakeAws extends AwsModel {
    readonly endpoint: string;
    /** When set, every answer is labelled with this content type instead of its protocol's, as emulators label some (moto: text/html). */
    labelAnswersAs: string | undefined;

    private constructor(
        private readonly server: Server,
        private readonly timeScale: number,
        private readonly realStart: number,
    ) {
        super(() => realStart + (Date.now() - realStart) * timeScale);
        const { port } = server.address() as AddressInfo;
        this.endpoint = `http://127.0.0.1:${port}`;
    }

    /** Starts a server on 127.0.0.1 at a random port. `timeScale` > 1 makes scripted executions finish sooner. */
    static async start(options: { timeScale?: number } = {}): Promise<FakeAws> {
        const timeScale = options.timeScale ?? 1;
        if (!(timeScale > 0)) throw new Error(`FakeAws timeScale must be > 0, got ${timeScale}`);
        const server = createServer();
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, "127.0.0.1", resolve);
        });
        const fake = new FakeAws(server, timeScale, Date.now());
        server.on("request", (req, res) => void fake.handle(req, res));
        return fake;
    }

    async stop(): Promise<void> {
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }

    /** The environment a child process (or the in-process SDK) needs to reach this server and nothing else. */
    env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = { ...process.env };
        // Inherited profiles or session tokens would make the SDK look for real credentials.
        for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"]) delete env[name];
        return {
            ...env,
            AWS_ENDPOINT_URL_SFN: this.endpoint,
            AWS_ENDPOINT_URL_CODECOMMIT: this.endpoint,
            AWS_ENDPOINT_URL_LAMBDA: this.endpoint,
            AWS_ENDPOINT_URL_S3: this.endpoint,
            AWS_ENDPOINT_URL_STS: this.endpoint,
            AWS_ENDPOINT_URL_IAM: this.endpoint,
            AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: this.endpoint,
            AWS_ENDPOINT_URL_CLOUDWATCH: this.endpoint,
            AWS_ACCESS_KEY_ID: BUILD_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY: "test",
            AWS_REGION: REGION,
            // The AWS CLI (botocore) reads this one, not AWS_REGION.
            AWS_DEFAULT_REGION: REGION,
            AWS_EC2_METADATA_DISABLED: "true",
            ...extra,
        };
    }

    /**

    /** Every execution started so far, with its start and (scripted or stopped) end on the real clock, epoch ms. */
    override executionTimeline(): ReturnType<AwsModel["executionTimeline"]> {
        const realTime = (simulated: number) => this.realStart + (simulated - this.realStart) / this.timeScale;
        return super
            .executionTimeline()
            .map((execution) => ({ ...execution, startedAt: realTime(execution.startedAt), endsAt: realTime(execution.endsAt) }));
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const raw = await readBody(req);
        let operation: Operation | undefined;
        if (this.labelAnswersAs !== undefined) relabel(res, this.labelAnswersAs);
        try {
            operation = identify(req, raw);
            const token = req.headers["x-amz-security-token"];
            const answer = this.call({
                ...operation,
                accessKeyId: accessKeyIdOf(req),
                sessionToken: typeof token === "string" ? token : undefined,
                signingRegion: signingRegionOf(req),
            });
            reply(req, res, operation, answer);
        } catch (error) {
            const awsError =
                error instanceof AwsError
                    ? error
                    : new AwsError("InternalFailure", `FakeAws handler crashed: ${(error as Error).stack ?? error}`, 500);
            if (!(error instanceof AwsError)) console.error(awsError.message);
            sendError(req, res, operation?.service ?? serviceOf(req), awsError);
        }
    }
}

/** Makes every head `res` writes carry `contentType`, whatever the answer set. */
function relabel(res: ServerResponse, contentType: string): void {
    const writeHead = res.writeHead.bind(res);
    res.writeHead = ((status: number, headers: Record<string, string> = {}) =>
        writeHead(status, { ...headers, "content-type": contentType })) as typeof res.writeHead;
}

/** Works out service, operation and input from the request, without acting on it. */
function identify(req: IncomingMessage, raw: Buffer): Operation {
    const target = req.headers["x-amz-target"];
    if (typeof target === "string") {
        const [prefix, operation] = target.split(".");
        const service = JSON_TARGETS[prefix];
        if (!service || !operation) throw new AwsError("UnknownOperationException", `Unknown x-amz-target ${target}`);
        let body: any;
        try {
            body = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
        } catch {
            throw new AwsError("SerializationException", "Request body is not valid JSON");
        }
        return { service, operation, body };
    }
    const url = new URL(req.url ?? "/", "http://fake");
    const service = serviceOf(req);
    if (service === "sts" || service === "iam") {
        // The query protocol: a form-encoded POST naming the action and the API version.
        const { Action, Version, ...body } = Object.fromEntries(new URLSearchParams(raw.toString("utf8")));
        if (req.method !== "POST" || Version !== QUERY_SERVICES[service].version || !Action) {
            throw new AwsError(
                "InvalidAction",
                `FakeAws does not implement ${service.toUpperCase()} ${req.method} Action=${Action} Version=${Version}`,
            );
        }
        return { service, operation: Action, body };
    }
    if (service === "lambda") {
        for (const route of LAMBDA_ROUTES) {
            const match = route.path.exec(url.pathname);
            if (match && req.method === route.method)
                return { service, operation: route.operation, body: route.input(match, url.searchParams) };
        }
        throw new AwsError("UnknownOperationException", `FakeAws does not implement Lambda ${req.method} ${url.pathname}`, 404);
    }
    return { service: "s3", ...s3Operation(req, url, raw) };
}

/** The model's answer in the service's protocol. */
function reply(req: IncomingMessage, res: ServerResponse, operation: Operation, answer: unknown): void {
    if (operation.service === "s3") return sendS3(req, res, operation.operation, answer as S3ObjectAnswer | S3ListingAnswer);
    if (operation.service === "sts") return sendXml(res, "sts", assumeRoleXml(answer as AssumeRoleAnswer));
    if (operation.service === "iam") return sendXml(res, "iam", queryAnswerXml(operation.operation, answer as QueryAnswer));
    const status = operation.service === "lambda" ? LAMBDA_ROUTES.find((route) => route.operation === operation.operation)!.status : 200;
    res.writeHead(status, { "content-type": CONTENT_TYPES[operation.service], "x-amzn-requestid": randomUUID() });
    res.end(status === 204 ? undefined : JSON.stringify(answer));
}

/** `<Action>Response` with the answer's `<Action>Result` (lists as `member` elements) and the request id. */
function queryAnswerXml(action: string, answer: QueryAnswer): string {
    const element = (name: string, value: unknown): string => {
        if (Array.isArray(value)) return `<${name}>${value.map((item) => element("member", item)).join("")}</${name}>`;
        if (typeof value === "object" && value !== null)
            return `<${name}>${Object.entries(value)
                .map(([key, inner]) => element(key, inner))
                .join("")}</${name}>`;
        return `<${name}>${xmlEscape(String(value))}</${name}>`;
    };
    const result = answer.result === undefined ? "" : element(`${action}Result`, answer.result);
    return `<${action}Response xmlns="${QUERY_SERVICES.iam.namespace}">${result}<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function assumeRoleXml(answer: AssumeRoleAnswer): string {
    return (
        `<AssumeRoleResponse xmlns="${QUERY_SERVICES.sts.namespace}"><AssumeRoleResult>` +
        `<AssumedRoleUser><Arn>${xmlEscape(answer.assumedRoleArn)}</Arn><AssumedRoleId>${xmlEscape(answer.assumedRoleId)}</AssumedRoleId></AssumedRoleUser>` +
        `<Credentials><AccessKeyId>${answer.accessKeyId}</AccessKeyId><SecretAccessKey>${answer.secretAccessKey}</SecretAccessKey>` +
        `<SessionToken>${xmlEscape(answer.sessionToken)}</SessionToken><Expiration>${answer.expiration}</Expiration></Credentials>` +
        `<PackedPolicySize>0</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`
    );
}

function sendS3(req: IncomingMessage, res: ServerResponse, operation: string, answer: S3ObjectAnswer | S3ListingAnswer): void {
    if ("objects" in answer) {
        const contents = answer.objects
            .map(
                (object) =>
                    `<Contents><Key>${xmlEscape(object.key)}</Key><LastModified>${new Date(object.lastModified).toISOString()}</LastModified>` +
                    `<Size>${object.size}</Size><ETag>${xmlEscape(object.etag)}</ETag><StorageClass>STANDARD</StorageClass></Contents>`,
            )
            .join("");
        const continuation = answer.nextToken ? `<NextContinuationToken>${answer.nextToken}</NextContinuationToken>` : "";
        const xml =
            `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
            `<Name>${xmlEscape(answer.bucket)}</Name><Prefix>${xmlEscape(answer.prefix)}</Prefix><KeyCount>${answer.objects.length}</KeyCount>` +
            `<IsTruncated>${answer.nextToken !== undefined}</IsTruncated>${continuation}${contents}</ListBucketResult>`;
        return sendS3Reply(req, res, { headers: { "content-type": CONTENT_TYPES.s3 }, body: xml });
    }
    if (operation === "DeleteObject") return sendS3Reply(req, res, { status: 204 });
    if (operation === "PutObject" || answer.content === undefined) return sendS3Reply(req, res, { headers: { etag: answer.etag } });
    return sendS3Reply(req, res, {
        headers: { "content-type": "application/octet-stream", "content-length": String(answer.content.length), etag: answer.etag },
        body: answer.content,
    });
}

interface S3Reply {
    readonly status?: number;
    readonly headers?: Record<string, string>;
    readonly body?: Buffer | string;
}

function sendS3Reply(req: IncomingMessage, res: ServerResponse, reply: S3Reply): void {
    res.writeHead(reply.status ?? 200, { "x-amz-request-id": randomUUID(), ...reply.headers });
    res.end(req.method === "HEAD" ? undefined : reply.body);
}

function sendXml(res: ServerResponse, service: keyof typeof QUERY_SERVICES, xml: string, status = 200): void {
    res.writeHead(status, { "content-type": CONTENT_TYPES[service], "x-amzn-requestid": randomUUID() });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>${xml}`);
}

function sendError(req: IncomingMessage, res: ServerResponse, service: RecordedRequest["service"], error: AwsError): void {
    if (res.headersSent) return void res.end();
    if (service === "sts" || service === "iam") {
        const type = error.status >= 500 ? "Receiver" : "Sender";
        return sendXml(
            res,
            service,
            `<ErrorResponse xmlns="${QUERY_SERVICES[service].namespace}"><Error><Type>${type}</Type><Code>${xmlEscape(error.type)}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
            error.status,
        );
    }
    if (service === "s3") {
        const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${xmlEscape(error.type)}</Code><Message>${xmlEscape(error.message)}</Message><RequestId>fake</RequestId></Error>`;
        return sendS3Reply(req, res, { status: error.status, headers: { "content-type": CONTENT_TYPES.s3 }, body: xml });
    }
    // A query-compatible JSON service (CloudWatch) also names the error as its query protocol did.
    const queryError =
        service === "cloudwatch" ? { "x-amzn-query-error": `${error.type};${error.status >= 500 ? "Receiver" : "Sender"}` } : {};
    res.writeHead(error.status, {
        "content-type": CONTENT_TYPES[service],
        "x-amzn-errortype": error.type,
        "x-amzn-requestid": randomUUID(),
        ...queryError,
    });
    res.end(JSON.stringify({ __type: error.type, message: error.message }));
}

function readBody(req: IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
    });
}

/** The signing service in the SigV4 credential scope; REST and query requests carry no operation header. */
function serviceOf(req: IncomingMessage): RecordedRequest["service"] {
    const target = req.headers["x-amz-target"];
    if (typeof target === "string") return JSON_TARGETS[target.split(".")[0]] ?? "sfn";
    const scope = /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? "")?.[1];
    if (scope === "sts" || scope === "iam") return scope;
    if (
        scope === "lambda" ||
        (scope === undefined && (req.url?.startsWith("/2015-03-31/") || req.url?.startsWith("/2016-08-19/account-settings")))
    )
        return "lambda";
    return "s3";
}

/** The access key id of the SigV4 `Authorization: AWS4-HMAC-SHA256 Credential=<key>/<scope>, …` header. */
function accessKeyIdOf(req: IncomingMessage): string | undefined {
    return /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? "")?.[1];
}

/** The region in the SigV4 credential scope: the region the client was configured with. */
function signingRegionOf(req: IncomingMessage): string | undefined {
    return /Credential=[^/,\s]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? "")?.[1];
}

/** Path-style S3: /<bucket>/<key>. */
function s3Operation(req: IncomingMessage, url: URL, raw: Buffer): Omit<Operation, "service"> {
    const [, bucket = "", ...keyParts] = url.pathname.split("/");
    const Bucket = decodeURIComponent(bucket);
    const Key = decodeURIComponent(keyParts.join("/"));
    if (Key !== "") {
        const byMethod: Record<string, string> = { GET: "GetObject", PUT: "PutObject", HEAD: "HeadObject", DELETE: "DeleteObject" };
        const operation = byMethod[req.method ?? ""] ?? `${req.method} object`;
        if (operation !== "PutObject") return { operation, body: { Bucket, Key } };
        const contentType = req.headers["content-type"];
        const body = decodeS3Payload(req.headers, raw).toString("utf8");
        const conditions = definedOnly({ IfMatch: req.headers["if-match"], IfNoneMatch: req.headers["if-none-match"] });
        return { operation, body: { Bucket, Key, Body: body, ...definedOnly({ ContentType: contentType }), ...conditions } };
    }
    if (req.method === "GET" && url.searchParams.get("list-type") === "2") {
        if (url.searchParams.has("delimiter"))
            throw new AwsError("NotImplemented", "FakeAws ListObjectsV2 does not implement delimiter", 501);
        const body = {
            Bucket,
            Prefix: url.searchParams.get("prefix") ?? "",
            ...definedOnly({
                MaxKeys: url.searchParams.get("max-keys") ?? undefined,
                ContinuationToken: url.searchParams.get("continuation-token") ?? undefined,
            }),
        };
        return { operation: "ListObjectsV2", body };
    }
    return { operation: `${req.method} bucket`, body: { Bucket } };
}

/** Undoes aws-chunked transfer encoding, which the SDK uses for streamed bodies with trailing checksums. */
function decodeS3Payload(headers: IncomingHttpHeaders, raw: Buffer): Buffer {
    const chunked =
        String(headers["content-encoding"] ?? "").includes("aws-chunked") ||
        String(headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING-");
    if (!chunked) return raw;
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
        const lineEnd = raw.indexOf("\r\n", offset);
        const size = parseInt(raw.subarray(offset, lineEnd).toString("latin1").split(";")[0], 16);
        if (!(size > 0)) break;
        parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
        offset = lineEnd + 2 + size + 2;
    }
    return Buffer.concat(parts);
}

function xmlEscape(text: string): string {
    return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

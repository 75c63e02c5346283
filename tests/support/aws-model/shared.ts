// What every service of the model shares: the account, the request and error shapes, the clock
// and paging. Each service's module (state and handlers) builds on these alone.

export const ACCOUNT_ID = "123456789012";
export const REGION = "us-east-1";
/** The access key env() gives the SDK: the build's own credentials. */
export const BUILD_ACCESS_KEY_ID = "test";
/** Who the build's own credentials are, as CodeCommit names a comment's author. */
export const BUILD_CALLER_ARN = `arn:aws:sts::${ACCOUNT_ID}:assumed-role/pull-request-build/AWSCodeBuild-fake`;

export type ServiceName = "sfn" | "codecommit" | "lambda" | "s3" | "sts" | "iam" | "logs" | "cloudwatch";

export interface RecordedRequest {
    service: ServiceName;
    operation: string;
    /** Parsed JSON body (sfn, codecommit, logs); the SDK's input member names for the REST services; the form parameters but Action and Version (sts, iam). */
    body: any;
    /** Who made the request: the access key id in the SigV4 Authorization header (undefined when unsigned). */
    accessKeyId?: string;
    /** The region the request was signed for (SigV4 credential scope), i.e. the region the client was configured with. */
    signingRegion?: string;
    /** Real time of arrival, epoch milliseconds. */
    at: number;
    /** Set when failNext answered this request with an injected error. */
    injectedError?: string;
}

/** One request as the model takes it: what was asked, and who signed it. */
export interface ModelRequest {
    readonly service: RecordedRequest["service"];
    readonly operation: string;
    /** As RecordedRequest.body. */
    readonly body: any;
    /** The access key that signed it, and the session token sent with it (temporary credentials). */
    readonly accessKeyId?: string;
    readonly sessionToken?: string;
    readonly signingRegion?: string;
}

/** An AWS error answer; each protocol renders it in its own format. */
export class AwsError extends Error {
    constructor(
        readonly type: string,
        message: string,
        readonly status = 400,
    ) {
        super(message);
    }
}

/** What a JSON service (Step Functions, CodeCommit, CloudWatch, CloudWatch Logs) answers for an operation the model does not implement. */
export function unknownOperation(operation: string): AwsError {
    return new AwsError("UnknownOperationException", `FakeAws does not implement ${operation}`);
}

/** One service of the model, as the dispatcher routes to it. */
export interface ServiceModel {
    /** Handlers by operation name; each answers as its protocol's front-end expects. */
    readonly operations: Readonly<Record<string, (body: any, request: ModelRequest) => unknown>>;
    /** What the service answers for an operation the model does not implement. */
    unimplemented(operation: string): AwsError;
    /** What the service answers a request signed with a session's access key but another token: error type and status. */
    readonly invalidToken: readonly [type: string, status: number];
}

/** The clock and the paging every service reads. */
export class ModelClock {
    /** When the model came up, on its own clock: when pull requests were created. */
    readonly createdAt: number;
    /**
     * The most items any sweepable list call (and ListObjectsV2) answers per page, below AWS's own
     * page sizes: a small value makes every such listing take several pages.
     */
    listPageSize?: number;

    /** `now`: the model's clock, epoch ms; scripted executions run on it. */
    constructor(readonly now: () => number) {
        this.createdAt = now();
    }

    /** One page of a list call: at most the request's own size, the operation's default and listPageSize. */
    page<T>(
        items: readonly T[],
        requested: unknown,
        token: string | undefined,
        operation: string,
        defaultSize: number,
        invalidTokenType: string,
    ) {
        const size = Math.min(requested === undefined ? defaultSize : Number(requested), this.listPageSize ?? Infinity);
        return paginate(items, size, token, operation, defaultSize, invalidTokenType);
    }
}

export function paginate<T>(
    items: readonly T[],
    maxResults: number | undefined,
    nextToken: string | undefined,
    operation: string,
    defaultPageSize: number,
    invalidTokenType: string,
): { items: T[]; nextToken?: string } {
    let start = 0;
    if (nextToken !== undefined) {
        const [tokenOperation, offset] = Buffer.from(nextToken, "base64").toString("utf8").split(":");
        start = Number(offset);
        if (tokenOperation !== operation || !Number.isInteger(start) || start < 0 || start > items.length) {
            throw new AwsError(invalidTokenType, `Invalid pagination token: ${nextToken}`);
        }
    }
    const size = maxResults && maxResults > 0 ? maxResults : defaultPageSize;
    const end = start + size;
    return {
        items: items.slice(start, end),
        ...definedOnly({ nextToken: end < items.length ? Buffer.from(`${operation}:${end}`).toString("base64") : undefined }),
    };
}

export function requireString(input: any, field: string, errorType = "ValidationException"): string {
    const value = input?.[field];
    if (typeof value !== "string" || value === "") throw new AwsError(errorType, `${field} is required (got ${JSON.stringify(value)})`);
    return value;
}

export function definedOnly<T extends Record<string, unknown>>(fields: T): Partial<T> {
    return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

// STS (query protocol): AssumeRole hands out temporary credentials, and every later request
// signed with them is known to be that role session's.
import { randomBytes } from "node:crypto";
import { ACCOUNT_ID, AwsError, BUILD_CALLER_ARN, definedOnly, type ModelRequest, type ServiceModel } from "./shared";

/** Temporary credentials handed out by AssumeRole. */
export interface AssumedRoleSession {
    roleArn: string;
    roleSessionName: string;
    accessKeyId: string;
    /** The access key that called AssumeRole. */
    callerAccessKeyId?: string;
}

/** What AssumeRole hands out. */
export interface AssumeRoleAnswer {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken: string;
    /** ISO-8601, whole seconds. */
    readonly expiration: string;
    readonly assumedRoleArn: string;
    readonly assumedRoleId: string;
}

/** A session's secret parts, checked on every request signed with its access key. */
interface IssuedSession extends AssumedRoleSession {
    readonly sessionToken: string;
}

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;
const ROLE_SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export class StsModel implements ServiceModel {
    readonly invalidToken = ["InvalidClientTokenId", 403] as const;
    readonly operations = {
        AssumeRole: (body: Record<string, string>, request: ModelRequest) => this.assumeRole(body, request.accessKeyId),
    };
    /** Every AssumeRole that handed out credentials, in order. */
    readonly assumedRoles: AssumedRoleSession[] = [];
    /** Access key id → the session AssumeRole issued it for. */
    private readonly sessions = new Map<string, IssuedSession>();

    unimplemented(operation: string): AwsError {
        return new AwsError("InvalidAction", `FakeAws does not implement STS ${operation}`);
    }

    /**
     * Who signed with `accessKeyId`, the way CodeCommit names a comment's author: an AssumeRole
     * session's assumed-role ARN, or for any other key the build's own role session.
     */
    callerArn(accessKeyId: string | undefined): string {
        const session = accessKeyId === undefined ? undefined : this.sessions.get(accessKeyId);
        if (session === undefined) return BUILD_CALLER_ARN;
        const roleName = IAM_ROLE_ARN.exec(session.roleArn)![1];
        return `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleName}/${session.roleSessionName}`;
    }

    /**
     * Temporary credentials are only valid with the session token they were issued with, as on
     * AWS: whether `request` is signed with a session's key but another token (or none).
     */
    signedWithWrongToken({ accessKeyId, sessionToken }: ModelRequest): boolean {
        const session = accessKeyId === undefined ? undefined : this.sessions.get(accessKeyId);
        return session !== undefined && sessionToken !== session.sessionToken;
    }

    private assumeRole(body: Record<string, string>, callerAccessKeyId: string | undefined): AssumeRoleAnswer {
        const { RoleArn, RoleSessionName, DurationSeconds } = body;
        const validation = (message: string) => new AwsError("ValidationError", message);
        if (typeof RoleArn !== "string" || !IAM_ROLE_ARN.test(RoleArn))
            throw validation(`${JSON.stringify(RoleArn)} is invalid for RoleArn: an IAM role ARN is required`);
        if (typeof RoleSessionName !== "string" || !ROLE_SESSION_NAME.test(RoleSessionName)) {
            throw validation(
                `1 validation error detected: Value '${RoleSessionName}' at 'roleSessionName' failed to satisfy constraint: 2-64 characters of [\\w+=,.@-]`,
            );
        }
        const seconds = DurationSeconds === undefined ? 3600 : Number(DurationSeconds);
        if (!(Number.isInteger(seconds) && seconds >= 900 && seconds <= 43_200))
            throw validation(`DurationSeconds ${DurationSeconds} is outside 900-43200`);
        const session: IssuedSession = {
            roleArn: RoleArn,
            roleSessionName: RoleSessionName,
            // Every AssumeRole hands out new credentials, as AWS does.
            accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
            ...definedOnly({ callerAccessKeyId }),
            sessionToken: randomBytes(32).toString("base64"),
        };
        this.sessions.set(session.accessKeyId, session);
        this.assumedRoles.push({
            roleArn: RoleArn,
            roleSessionName: RoleSessionName,
            accessKeyId: session.accessKeyId,
            ...definedOnly({ callerAccessKeyId }),
        });
        const roleName = IAM_ROLE_ARN.exec(RoleArn)![1];
        return {
            accessKeyId: session.accessKeyId,
            secretAccessKey: randomBytes(30).toString("base64"),
            sessionToken: session.sessionToken,
            // Expiry is the credentials' own, on the real clock the SDK compares it with.
            expiration: new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
            assumedRoleArn: this.callerArn(session.accessKeyId),
            assumedRoleId: `AROAFAKE${roleName.length}:${RoleSessionName}`,
        };
    }
}

// A local STS that answers AssumeRole (the AWS query protocol) with credentials named after the
// role, recording who asked: enough to prove which role chain a client followed.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface AssumeRoleCall {
    /** The form parameters sent (RoleArn, RoleSessionName, ExternalId, DurationSeconds, …). */
    readonly parameters: Record<string, string>;
    /** The access key id that signed the call. */
    readonly callerAccessKeyId?: string;
}

export interface LocalSts {
    readonly url: string;
    readonly calls: AssumeRoleCall[];
    stop(): Promise<void>;
}

/** The access key id LocalSts hands out for a role: `ASIA` and the role's name, upper-cased. */
export function accessKeyIdFor(roleArn: string): string {
    return `ASIA${roleArn.split("/").pop()!.toUpperCase().replace(/[^A-Z0-9]/g, "")}`;
}

export async function startLocalSts(): Promise<LocalSts> {
    const calls: AssumeRoleCall[] = [];
    const server = createServer((request, response) => {
        let body = "";
        request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        request.on("end", () => {
            const parameters = Object.fromEntries(new URLSearchParams(body));
            const callerAccessKeyId = /Credential=([^/]+)\//.exec(String(request.headers.authorization))?.[1];
            calls.push({ parameters, callerAccessKeyId });
            const accessKeyId = accessKeyIdFor(parameters.RoleArn ?? "");
            response.writeHead(200, { "content-type": "text/xml" });
            response.end(
                `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
                    `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>secret-${accessKeyId}</SecretAccessKey>` +
                    `<SessionToken>token-${accessKeyId}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
                    `<AssumedRoleUser><Arn>${parameters.RoleArn}/${parameters.RoleSessionName}</Arn><AssumedRoleId>AROA:${parameters.RoleSessionName}</AssumedRoleId></AssumedRoleUser>` +
                    `</AssumeRoleResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></AssumeRoleResponse>`,
            );
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        calls,
        async stop() {
            server.closeAllConnections();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

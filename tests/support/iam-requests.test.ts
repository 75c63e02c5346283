// The mapping the call-judging specs rely on: what IAM authorizes for a call, and a recorded HTTP
// request read back as its call. A call it cannot name must fail, never pass unjudged.
import * as assert from "node:assert/strict";
import { authorizationOf, type AwsCall } from "./iam-requests";
import { awsCallOf } from "./moto-server";

const SCOPE = {
    accountId: "123456789012",
    region: "us-east-1",
    roleOf: (role: string) =>
        role === "pr-x-digest-role" ? { path: "/copies/", boundary: "arn:aws:iam::123456789012:policy/b" } : undefined,
};
const requestsOf = async (call: AwsCall) => {
    const authorization = await authorizationOf(call, SCOPE);
    assert.ok("requests" in authorization);
    return authorization.requests;
};
const signed = (service: string) => ({
    Authorization: `AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
});

describe("iam-requests: what IAM authorizes for one AWS call", () => {
    it("a function created with a role and tags also needs iam:PassRole to Lambda and lambda:TagResource", async () => {
        const requests = await requestsOf({
            service: "lambda",
            operation: "CreateFunction",
            input: { FunctionName: "pr-x-digest", Role: "arn:aws:iam::123456789012:role/pr-x-digest-role", Tags: { a: "b" } },
        });
        assert.deepEqual(
            requests.map(({ action, resource, context }) => ({ action, resource, context })),
            [
                {
                    action: "lambda:CreateFunction",
                    resource: "arn:aws:lambda:us-east-1:123456789012:function:pr-x-digest",
                    context: undefined,
                },
                {
                    action: "iam:PassRole",
                    resource: "arn:aws:iam::123456789012:role/pr-x-digest-role",
                    context: { "iam:PassedToService": "lambda.amazonaws.com" },
                },
                {
                    action: "lambda:TagResource",
                    resource: "arn:aws:lambda:us-east-1:123456789012:function:pr-x-digest",
                    context: undefined,
                },
            ],
        );
    });

    it("a write of a role's policy carries the boundary the role has, and none for a role without one", async () => {
        const [put] = await requestsOf({
            service: "iam",
            operation: "PutRolePolicy",
            input: { RoleName: "pr-x-digest-role", PolicyName: "p" },
        });
        assert.deepEqual(put.context, { "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b" });
        const [unbounded] = await requestsOf({
            service: "iam",
            operation: "PutRolePolicy",
            input: { RoleName: "other-role", PolicyName: "p" },
        });
        assert.equal(unbounded.context, undefined);
    });

    it("a create names the boundary it asks for, its path and its tags (also asked of iam:TagRole)", async () => {
        const [create, tag] = await requestsOf({
            service: "iam",
            operation: "CreateRole",
            input: {
                RoleName: "r",
                Path: "/copies/",
                PermissionsBoundary: "arn:aws:iam::123456789012:policy/b",
                Tags: [{ Key: "copy", Value: "pr-x" }],
            },
        });
        const tags = { "aws:RequestTag/copy": "pr-x" };
        assert.deepEqual(create, {
            action: "iam:CreateRole",
            resource: "arn:aws:iam::123456789012:role/copies/r",
            context: { "iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/b", ...tags },
        });
        assert.deepEqual(
            tag,
            { action: "iam:TagRole", resource: "arn:aws:iam::123456789012:role/copies/r", context: tags },
            "TagRole takes no iam:PermissionsBoundary",
        );
    });

    it("a call that names a role only by name acts on the role's ARN with its path, and `/` for a role it does not know", async () => {
        const [known] = await requestsOf({ service: "iam", operation: "GetRole", input: { RoleName: "pr-x-digest-role" } });
        assert.equal(known.resource, "arn:aws:iam::123456789012:role/copies/pr-x-digest-role");
        const [unknown] = await requestsOf({ service: "iam", operation: "GetRole", input: { RoleName: "other-role" } });
        assert.equal(unknown.resource, "arn:aws:iam::123456789012:role/other-role");
    });

    it("an S3 listing is s3:ListBucket on the bucket with its prefix", async () => {
        const [list] = await requestsOf({ service: "s3", operation: "ListObjectsV2", input: { Bucket: "state", Prefix: "env:/" } });
        assert.deepEqual(list, { action: "s3:ListBucket", resource: "arn:aws:s3:::state", context: { "s3:prefix": "env:/" } });
    });

    it("refuses an operation that is no IAM action, and a call without the member that names its resource", async () => {
        await assert.rejects(
            authorizationOf({ service: "lambda", operation: "FrobnicateFunction", input: {} }, SCOPE),
            /unmapped call: lambda FrobnicateFunction/,
        );
        await assert.rejects(
            authorizationOf({ service: "logs", operation: "DeleteLogGroup", input: {} }, SCOPE),
            /unmapped call: logs DeleteLogGroup without logGroupName/,
        );
    });
});

describe("moto-server: a recorded request read back as its call", () => {
    it("names Lambda's REST routes, IAM's query actions and S3's path-style objects", () => {
        assert.deepEqual(
            awsCallOf({
                method: "GET",
                url: "http://127.0.0.1:1/2015-03-31/functions/pr-x-digest/versions?MaxItems=10000",
                headers: signed("lambda"),
                body: null,
                body_encoded: false,
            }),
            {
                service: "lambda",
                operation: "ListVersionsByFunction",
                input: { FunctionName: "pr-x-digest" },
            },
        );
        assert.deepEqual(
            awsCallOf({
                method: "POST",
                url: "http://127.0.0.1:1/",
                headers: signed("iam"),
                body: "Action=CreateRole&RoleName=r&PermissionsBoundary=b&Tags.member.1.Key=k&Tags.member.1.Value=v&Version=2010-05-08",
                body_encoded: false,
            }),
            {
                service: "iam",
                operation: "CreateRole",
                input: { RoleName: "r", PermissionsBoundary: "b", Tags: [{ Key: "k", Value: "v" }] },
            },
        );
        assert.deepEqual(
            awsCallOf({
                method: "PUT",
                url: "http://127.0.0.1:1/state/a/b.tfstate?x-id=PutObject",
                headers: { ...signed("s3"), "X-Amz-Server-Side-Encryption": "AES256" },
                body: null,
                body_encoded: false,
            }),
            {
                service: "s3",
                operation: "PutObject",
                input: { Bucket: "state", Key: "a/b.tfstate", ServerSideEncryption: "AES256" },
            },
        );
    });

    it("refuses a route, a subresource or a JSON target it does not know, and an unsigned request", () => {
        assert.throws(
            () =>
                awsCallOf({
                    method: "GET",
                    url: "http://127.0.0.1:1/2015-03-31/functions/f/aliases",
                    headers: signed("lambda"),
                    body: null,
                    body_encoded: false,
                }),
            /unmapped call: lambda GET/,
        );
        assert.throws(
            () =>
                awsCallOf({
                    method: "PUT",
                    url: "http://127.0.0.1:1/state/key?tagging",
                    headers: signed("s3"),
                    body: null,
                    body_encoded: false,
                }),
            /unmapped call: s3 PUT/,
        );
        assert.throws(
            () =>
                awsCallOf({
                    method: "POST",
                    url: "http://127.0.0.1:1/",
                    headers: { ...signed("sqs"), "X-Amz-Target": "AmazonSQS.SendMessage" },
                    body: "{}",
                    body_encoded: false,
                }),
            /unmapped call: JSON target/,
        );
        assert.throws(
            () => awsCallOf({ method: "GET", url: "http://127.0.0.1:1/state/key", headers: {}, body: null, body_encoded: false }),
            /unsigned request/,
        );
    });
});

// The model's dispatcher: which service answers a request, in whose terms it refuses one, and what
// every service shares. Each service's operations are specified over the wire in fake-aws.test.ts.
import * as assert from "node:assert/strict";
import { AwsError, AwsModel, type AssumeRoleAnswer, type ModelRequest, type S3ListingAnswer } from "./aws-model";

const STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:power-tuning";

function refusal(model: AwsModel, request: ModelRequest): [string, number] {
    try {
        model.call(request);
    } catch (error) {
        assert.ok(error instanceof AwsError, String(error));
        return [error.type, error.status];
    }
    assert.fail(`${request.service} ${request.operation} was answered`);
}

describe("the model of AWS routing each request to its service", () => {
    it("answers an operation only from its own service, and refuses another's in that service's terms", () => {
        const model = new AwsModel(() => 0);
        assert.deepEqual(model.call({ service: "sfn", operation: "ListExecutions", body: { stateMachineArn: STATE_MACHINE } }), {
            executions: [],
        });
        const elsewhere = (service: ModelRequest["service"]) =>
            refusal(model, { service, operation: "ListExecutions", body: { stateMachineArn: STATE_MACHINE } });
        assert.deepEqual(elsewhere("codecommit"), ["UnknownOperationException", 400]);
        assert.deepEqual(elsewhere("cloudwatch"), ["UnknownOperationException", 400]);
        assert.deepEqual(elsewhere("lambda"), ["UnknownOperationException", 404]);
        assert.deepEqual(elsewhere("s3"), ["NotImplemented", 501]);
        assert.deepEqual(elsewhere("sts"), ["InvalidAction", 400]);
        assert.deepEqual(elsewhere("iam"), ["InvalidAction", 400]);
    });

    it("takes an operation named like a member of every object for an unknown one", () => {
        const model = new AwsModel(() => 0);
        assert.deepEqual(refusal(model, { service: "logs", operation: "toString", body: {} }), ["UnknownOperationException", 400]);
        assert.deepEqual(refusal(model, { service: "iam", operation: "constructor", body: {} }), ["InvalidAction", 400]);
    });

    it("refuses a session's access key sent with another token in each service's own terms, and still records the request", () => {
        const model = new AwsModel(() => 0);
        const session = model.call({
            service: "sts",
            operation: "AssumeRole",
            body: { RoleArn: "arn:aws:iam::123456789012:role/bot", RoleSessionName: "bot" },
        }) as AssumeRoleAnswer;
        const forged = (service: ModelRequest["service"], operation: string) =>
            refusal(model, { service, operation, body: {}, accessKeyId: session.accessKeyId, sessionToken: "forged" });
        assert.deepEqual(forged("sts", "AssumeRole"), ["InvalidClientTokenId", 403]);
        assert.deepEqual(forged("iam", "ListRoles"), ["InvalidClientTokenId", 403]);
        assert.deepEqual(forged("s3", "ListObjectsV2"), ["InvalidToken", 400]);
        assert.deepEqual(forged("lambda", "ListFunctions"), ["UnrecognizedClientException", 403]);
        assert.deepEqual(forged("codecommit", "GetBranch"), ["UnrecognizedClientException", 400]);
        assert.deepEqual(model.requests.at(-1)?.accessKeyId, session.accessKeyId);
        assert.deepEqual(
            model.call({
                service: "iam",
                operation: "ListRoles",
                body: {},
                accessKeyId: session.accessKeyId,
                sessionToken: session.sessionToken,
            }),
            { result: { Roles: [], IsTruncated: false } },
        );
    });

    it("pages every service's listing by the one listPageSize", () => {
        const model = new AwsModel(() => 0);
        model.putObject("history", "a.json", "{}");
        model.putObject("history", "b.json", "{}");
        model.addLogGroup("/aws/lambda/a");
        model.addLogGroup("/aws/lambda/b");
        model.listPageSize = 1;
        const listing = model.call({ service: "s3", operation: "ListObjectsV2", body: { Bucket: "history" } }) as S3ListingAnswer;
        assert.deepEqual([listing.objects.map((object) => object.key), listing.nextToken !== undefined], [["a.json"], true]);
        const groups = model.call({ service: "logs", operation: "DescribeLogGroups", body: {} }) as {
            logGroups: Array<{ logGroupName: string }>;
            nextToken?: string;
        };
        assert.deepEqual([groups.logGroups.map((group) => group.logGroupName), groups.nextToken !== undefined], [["/aws/lambda/a"], true]);
    });
});

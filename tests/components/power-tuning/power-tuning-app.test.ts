import * as assert from "node:assert";
import { POWER_TUNING_APPLICATION_ID, PowerTuningApp, SAR_DEFAULT_POWER_VALUES } from "../../../components/power-tuning/powerTuningApp";
import { type MockedStack, mockedStack, named, resolved } from "../../support/mocked-stack";
import { registeredResources } from "../../support/pulumi-mocks";

describe("power-tuning application", () => {
    let stack: MockedStack;
    before(async () => {
        stack = await mockedStack();
    });

    it("deploys the pinned aws-lambda-power-tuning version from SAR with CAPABILITY_IAM", () => {
        const { applicationId, semanticVersion, capabilities } = named(
            stack,
            "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
            "power-tuning-stack",
        ).inputs;
        assert.deepStrictEqual(
            { applicationId, semanticVersion, capabilities },
            {
                applicationId: "arn:aws:serverlessrepo:us-east-1:451282441545:applications/aws-lambda-power-tuning",
                semanticVersion: "4.4.0",
                capabilities: ["CAPABILITY_IAM"],
            },
        );
    });

    it("lets the state machine touch only the pull-request copies' <pullRequestNamePrefix>-* functions (aliases included), never production's, and passes the dev power values", () => {
        assert.deepStrictEqual(
            named(stack, "aws:serverlessrepository/cloudFormationStack:CloudFormationStack", "power-tuning-stack").inputs.parameters,
            {
                lambdaResource: "arn:aws:lambda:us-east-1:123456789012:function:pr-power-tuned-*",
                PowerValues: "128,256,512,1024,2048",
            },
        );
    });

    it("exposes the application's StateMachineARN output", () => {
        assert.strictEqual(
            stack.outputs.stateMachineArn,
            "arn:aws:states:us-east-1:123456789012:stateMachine:powerTuningStateMachine-0a1b2c3d",
        );
    });

    it("leaves out parameters equal to the application's defaults", async () => {
        const first = registeredResources.length;
        const app = new PowerTuningApp("defaults-app", {
            semanticVersion: "4.4.0",
            scope: { namePrefix: "team", region: "eu-west-1", accountId: "210987654321" },
            powerValues: SAR_DEFAULT_POWER_VALUES,
            tags: {},
        });
        // The ARN comes from the SAR stack's outputs, so it resolves once that stack has registered.
        await resolved(app.stateMachineArn);
        const sarStack = registeredResources.slice(first).find((resource) => resource.name === "defaults-app-stack");
        assert.strictEqual(sarStack?.inputs.applicationId, POWER_TUNING_APPLICATION_ID);
        assert.deepStrictEqual(sarStack?.inputs.parameters, { lambdaResource: "arn:aws:lambda:eu-west-1:210987654321:function:team-*" });
    });
});

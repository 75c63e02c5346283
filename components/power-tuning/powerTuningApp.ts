import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { type TerraformScope, terraformScopeArns } from "../iam/policies";

/** AWS Lambda Power Tuning in the Serverless Application Repository (published in us-east-1, deployable anywhere). */
export const POWER_TUNING_APPLICATION_ID = "arn:aws:serverlessrepo:us-east-1:451282441545:applications/aws-lambda-power-tuning";

/** The SAR application's own default for its PowerValues parameter (template.yml). */
export const SAR_DEFAULT_POWER_VALUES: readonly number[] = [128, 256, 512, 1024, 1536, 3008];

export interface PowerTuningAppArgs {
    /** Pinned application version; SAR otherwise deploys whatever is latest. */
    readonly semanticVersion: string;
    /**
     * The only functions the state machine may configure and invoke: the pull-request copies'
     * `<pullRequestNamePrefix>-*` in this account and region, never production's.
     */
    readonly scope: TerraformScope;
    /** Default power values of the state machine. Passed only when they differ from the app's own default. */
    readonly powerValues?: readonly number[];
    readonly tags: Readonly<Record<string, string>>;
}

/** The power-tuning state machine, deployed from SAR with its IAM scoped to our functions. */
export class PowerTuningApp extends pulumi.ComponentResource {
    public readonly stateMachineArn: pulumi.Output<string>;

    constructor(name: string, args: PowerTuningAppArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:PowerTuningApp", name, {}, opts);
        const powerValues = args.powerValues ?? SAR_DEFAULT_POWER_VALUES;

        // Parameters equal to the template's defaults are left out: SAR reports them back
        // differently and they would show as a diff on every `pulumi up`.
        const parameters: Record<string, pulumi.Input<string>> = {
            // A trailing `*` so the `:RAM<n>` aliases the tool creates match too.
            lambdaResource: terraformScopeArns(args.scope).functions,
        };
        if (powerValues.join(",") !== SAR_DEFAULT_POWER_VALUES.join(",")) {
            parameters.PowerValues = powerValues.join(",");
        }

        const stack = new aws.serverlessrepository.CloudFormationStack(
            `${name}-stack`,
            {
                applicationId: POWER_TUNING_APPLICATION_ID,
                semanticVersion: args.semanticVersion,
                capabilities: ["CAPABILITY_IAM"],
                parameters,
                tags: args.tags,
            },
            { parent: this },
        );

        this.stateMachineArn = stack.outputs.apply((outputs) => {
            const arn = outputs.StateMachineARN;
            if (!arn)
                throw new Error(
                    `SAR application ${POWER_TUNING_APPLICATION_ID}@${args.semanticVersion} returned no StateMachineARN output`,
                );
            return arn;
        });
        this.registerOutputs({ stateMachineArn: this.stateMachineArn });
    }
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceTrustPolicy, Statement, STACK_ROLE_PATH } from "./policies";

export interface ServiceRoleArgs {
    /** Service principal that assumes the role, e.g. `codebuild.amazonaws.com`. */
    readonly service: string;
    /** The stack's account: only this account's service calls may assume the role. */
    readonly accountId: pulumi.Input<string>;
    /** Everything the role may do (built in policies.ts). */
    readonly statements: readonly Statement[];
    readonly tags: Readonly<Record<string, string>>;
}

/** An IAM role for one AWS service with exactly one inline policy, under the stack's role path. */
export class ServiceRole extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: ServiceRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:ServiceRole", name, {}, opts);

        const role = new aws.iam.Role(
            name,
            {
                path: STACK_ROLE_PATH,
                assumeRolePolicy: serviceTrustPolicy(args.service, args.accountId),
                tags: args.tags,
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy: policyDocument(args.statements) }, { parent: this });

        this.arn = role.arn;
        this.name = role.name;
        this.registerOutputs({ arn: this.arn, name: this.name });
    }
}

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { FunctionPermission } from "./config";
import { functionBoundaryStatements, policyDocument, TerraformScope } from "./policies";
import { STACK_ROLE_PATH } from "./stackNames";

export interface FunctionBoundaryArgs {
    /** Production's scope: names the policy `<namePrefix>-function-boundary`. */
    readonly production: TerraformScope;
    /** The pull-request copies' scope. */
    readonly pullRequests: TerraformScope;
    /** Extra statements every function may use (config `functionPermissions`). Default none. */
    readonly functionPermissions?: readonly FunctionPermission[];
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The permissions boundary of every role Terraform creates, in production and in pull-request
 * copies: such a role can never do more than write its function's logs (plus the configured
 * `functionPermissions`), whatever policies Terraform gives it. The roles that run Terraform may
 * write role permissions only with this boundary attached, and may never change it.
 */
export class FunctionBoundary extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: FunctionBoundaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:FunctionBoundary", name, {}, opts);
        const functionPermissions = args.functionPermissions ?? [];

        const policy = new aws.iam.Policy(
            `${name}-policy`,
            {
                name: `${args.production.namePrefix}-function-boundary`,
                path: STACK_ROLE_PATH,
                description: "Permissions boundary of every role terraform-lambda creates: its function's logs, plus the stack's functionPermissions.",
                policy: policyDocument(functionBoundaryStatements([args.production, args.pullRequests], functionPermissions)),
                tags: args.tags,
            },
            { parent: this },
        );

        this.arn = policy.arn;
        this.registerOutputs({ arn: this.arn });
    }
}

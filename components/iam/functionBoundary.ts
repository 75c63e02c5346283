import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { FunctionPermission } from "../stack/config";
import { copyBoundaryStatements, policyDocument, productionBoundaryStatements, type Statement, type TerraformScope } from "./policies";
import { STACK_ROLE_PATH } from "../stack/stackNames";

export interface FunctionBoundaryArgs {
    /** Production's scope: names the policies `<namePrefix>-function-boundary` and `<namePrefix>-copy-function-boundary`. */
    readonly production: TerraformScope;
    /** The pull-request copies' scope. */
    readonly pullRequests: TerraformScope;
    /** Extra statements every function may use (config `functionPermissions`). Default none. */
    readonly functionPermissions?: readonly FunctionPermission[];
    /** The provider of the copies' own account (config `copyAccount`), where their boundary then lives. Default production's. */
    readonly copyProvider?: pulumi.ProviderResource;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The permissions boundaries of every role Terraform creates, one for production and one for the
 * pull-request copies: such a role can never do more than write its own function's logs (plus the
 * configured `functionPermissions`), whatever policies Terraform gives it, and a copy's role only
 * its own copy's. The roles that run Terraform may write role permissions only with their
 * boundary attached, and may never change it.
 */
export class FunctionBoundary extends pulumi.ComponentResource {
    /** The boundary of production's roles. */
    public readonly productionArn: pulumi.Output<string>;
    /** The boundary of the roles a pull request's copy creates. */
    public readonly copyArn: pulumi.Output<string>;

    constructor(name: string, args: FunctionBoundaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("lambda-power-tuned:index:FunctionBoundary", name, {}, opts);
        const functionPermissions = args.functionPermissions ?? [];
        const boundary = (suffix: string, description: string, statements: Statement[], provider?: pulumi.ProviderResource) =>
            new aws.iam.Policy(
                `${name}-${suffix}`,
                {
                    name: `${args.production.namePrefix}-${suffix === "policy" ? "" : `${suffix}-`}function-boundary`,
                    path: STACK_ROLE_PATH,
                    description,
                    policy: policyDocument(statements),
                    tags: args.tags,
                },
                { parent: this, provider },
            );

        this.productionArn = boundary(
            "policy",
            "Permissions boundary of every role production's terraform-lambda creates: its function's logs, plus the stack's functionPermissions.",
            productionBoundaryStatements(args.production, functionPermissions),
        ).arn;
        this.copyArn = boundary(
            "copy",
            "Permissions boundary of every role a pull request's copy creates: its own copy's logs, plus the stack's functionPermissions.",
            copyBoundaryStatements(args.pullRequests, functionPermissions),
            args.copyProvider,
        ).arn;
        this.registerOutputs({ productionArn: this.productionArn, copyArn: this.copyArn });
    }
}

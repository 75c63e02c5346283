// IAM: the roles a sweep removes, with what must go before them.
import {
    DeleteRoleCommand,
    DeleteRolePolicyCommand,
    DetachRolePolicyCommand,
    IAMClient,
    paginateListAttachedRolePolicies,
    paginateListInstanceProfilesForRole,
    paginateListRolePolicies,
    paginateListRoles,
    RemoveRoleFromInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import type { SweepableRoles } from "./ports";
import { answeredByAws, clientConfig, type Credentials, everyPage } from "./sdk";

/** IAM roles and what must go before them, as a sweep lists and removes them (every page). */
export function sweepableRolesClient(credentials?: Credentials): SweepableRoles {
    const iam = answeredByAws(new IAMClient(clientConfig(credentials)), "xml");
    return {
        list: () =>
            everyPage(paginateListRoles({ client: iam }, {}), (page) =>
                page.Roles?.map((role) => ({ name: role.RoleName!, path: role.Path ?? "/", createdAt: role.CreateDate?.getTime() })),
            ),
        inlinePolicies: (roleName) =>
            everyPage(paginateListRolePolicies({ client: iam }, { RoleName: roleName }), (page) => page.PolicyNames),
        attachedPolicies: (roleName) =>
            everyPage(paginateListAttachedRolePolicies({ client: iam }, { RoleName: roleName }), (page) =>
                page.AttachedPolicies?.map((policy) => policy.PolicyArn!),
            ),
        instanceProfiles: (roleName) =>
            everyPage(paginateListInstanceProfilesForRole({ client: iam }, { RoleName: roleName }), (page) =>
                page.InstanceProfiles?.map((profile) => profile.InstanceProfileName!),
            ),
        async deleteInlinePolicy(roleName, policyName) {
            await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
        },
        async detachPolicy(roleName, policyArn) {
            await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
        },
        async removeFromInstanceProfile(roleName, instanceProfileName) {
            await iam.send(new RemoveRoleFromInstanceProfileCommand({ RoleName: roleName, InstanceProfileName: instanceProfileName }));
        },
        async delete(roleName) {
            await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
        },
    };
}

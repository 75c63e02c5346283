// An account as a sweep finds it: production's function, role, log group and state; the stack's own
// role under its path; an abandoned copy of pull request 7 (old, with an event source mapping, a
// role with an inline policy, an attached policy and an instance-profile link, its state object);
// and the copy of pull request 8, whose build is still running (young).
import { COPY_ROLE_PATH, RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import type { AwsModel } from "./aws-model";
import { TEST_PULL_REQUEST } from "./runner-workspace";

export const STATE_BUCKET = "storage-state-0a1b2c3d";
export const PRODUCTION_PREFIX = "power-tuned";
export const NAMESPACE = "pr-power-tuned";
/** Pull request 7's copy, abandoned: its build ended hours ago. */
export const OLD_COPY = `${NAMESPACE}-7-3f2a9c1`;
/** Pull request 8's copy, made minutes ago by a build still running. */
export const YOUNG_COPY = `${NAMESPACE}-8-0123abc`;
const deployBuild = (id: string) => `arn:aws:codebuild:us-east-1:123456789012:build/pr-deploy:${id}`;
export const OLD_DEPLOY_BUILD = deployBuild("6c1f3f0e-5d4c-4b3a-9a8f-7e6d5c4b3a29");
export const YOUNG_DEPLOY_BUILD = deployBuild("0b0b0b0b-1111-4222-8333-944444444444");
export const STATE_KEY = (build: string) => `pull-requests/${build}/terraform.tfstate`;
export const PRODUCTION_STATE_KEY = "terraform-lambda/production.tfstate";
/** A role of the stack itself: its name starts like the namespace, its path keeps it out. */
export const STACK_ROLE = `${NAMESPACE}-sweeper-role-0a1b2c3`;
export const ATTACHED_POLICY = "arn:aws:iam::123456789012:policy/pr-power-tuned-extra";
export const INSTANCE_PROFILE = `${OLD_COPY}-digest-profile`;

/** Production's roles live under `/`, every copy's under the copies' path. */
export const rolePathOf = (prefix: string) => (prefix === PRODUCTION_PREFIX ? "/" : COPY_ROLE_PATH);

/** Everything the scenario holds, by kind. */
export function accountContents(aws: AwsModel) {
    return {
        functions: aws.functionNames(),
        roles: [...aws.roles.keys()].sort(),
        logGroups: [...aws.logGroups.keys()].sort(),
        stateObjects: [...aws.objects.keys()]
            .filter((key) => key.startsWith(`${STATE_BUCKET}/`))
            .map((key) => key.slice(STATE_BUCKET.length + 1))
            .sort(),
    };
}

/** The scenario's account. */
export function withAbandonedCopies<Aws extends AwsModel>(aws: Aws): Aws {
    const old = aws.hoursAgo(30);
    const young = aws.hoursAgo(0.5);
    for (const [prefix, at] of [
        [PRODUCTION_PREFIX, aws.hoursAgo(24 * 40)],
        [OLD_COPY, old],
        [YOUNG_COPY, young],
    ] as const) {
        aws.addFunction(`${prefix}-digest`, at);
        aws.addLogGroup(`/aws/lambda/${prefix}-digest`, at);
        // What IAM wants gone before the role: the old copy's role has one of each.
        const links = prefix === OLD_COPY ? { attachedPolicies: [ATTACHED_POLICY], instanceProfiles: [INSTANCE_PROFILE] } : {};
        aws.addRole(`${prefix}-digest-role`, { path: rolePathOf(prefix), createdAt: at, inlinePolicies: ["write-own-logs"], ...links });
    }
    aws.addEventSourceMapping(`${OLD_COPY}-digest`);
    aws.addRole(STACK_ROLE, { path: "/lambda-power-tuned/", createdAt: aws.hoursAgo(24 * 40) });
    aws.putObject(STATE_BUCKET, PRODUCTION_STATE_KEY, "{}", aws.hoursAgo(24 * 40));
    aws.putObject(STATE_BUCKET, STATE_KEY(OLD_DEPLOY_BUILD), "{}", old);
    aws.putObject(STATE_BUCKET, STATE_KEY(YOUNG_DEPLOY_BUILD), "{}", young);
    return aws;
}

/** The scheduled sweep of the whole namespace, as the sweeper project runs it. */
export const SCHEDULED_SWEEP = [
    "sweep",
    "--name-prefix",
    NAMESPACE,
    "--protect-prefix",
    PRODUCTION_PREFIX,
    "--older-than",
    "6",
    "--state-uri",
    `s3://${STATE_BUCKET}/pull-requests/`,
];

/** The sweep after a destroy: exactly that copy and its deploy's state, whatever their age. */
export const FOLLOW_UP_SWEEP = [
    "sweep",
    "--name-prefix",
    OLD_COPY,
    "--protect-prefix",
    PRODUCTION_PREFIX,
    "--older-than",
    "0",
    "--state-uri",
    `s3://${STATE_BUCKET}/pull-requests/${OLD_DEPLOY_BUILD}/`,
];

/** The pull request of the follow-up sweep, and the scheduled sweep its comment names. */
export const FOLLOW_UP_ENV = {
    [RUNNER_ENVIRONMENT.repositoryName]: TEST_PULL_REQUEST.repositoryName,
    [RUNNER_ENVIRONMENT.pullRequestId]: TEST_PULL_REQUEST.pullRequestId,
    [RUNNER_ENVIRONMENT.sourceCommit]: TEST_PULL_REQUEST.sourceCommit,
    [RUNNER_ENVIRONMENT.destinationCommit]: TEST_PULL_REQUEST.destinationCommit,
    [RUNNER_ENVIRONMENT.pullRequestBotRoleArn]: "arn:aws:iam::123456789012:role/lambda-power-tuned/power-tuned-pull-request-bot",
    [RUNNER_ENVIRONMENT.sweepSchedule]: "rate(6 hours)",
    [RUNNER_ENVIRONMENT.pullRequestCopyTtlHours]: "6",
};

/** Requests that change something: a sweep's deletes, and any write besides. */
export const WRITE_OPERATION = /^(Delete|Detach|Remove|Put|Post|Update|Create|Start|Stop)/;

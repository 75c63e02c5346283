// A pull request as the copy decision sees it: the destination branch (terraform-lambda's files,
// the settings, documentation and the sample function's code), the pull request's source commit
// as that tree with some paths changed, and the decision function's environment.
import { RUNNER_ENVIRONMENT } from "../../buildscripts/contract";
import { DEFAULT_NON_FUNCTION_PATHS } from "../../components/stack/config";
import type { AwsModel } from "./aws-model";
import { HISTORY_URI } from "./history-scenario";
import { TEST_PULL_REQUEST as PULL_REQUEST } from "./runner-workspace";
import { BOT_ROLE, MAIN_INPUT, PASSING_POLICY, tree } from "./trusted-step-scenario";
import { PULL_REQUEST_REVISION } from "./tune-scenario";

/** The destination branch's files. */
export const MAIN_TREE: Readonly<Record<string, string>> = {
    ...tree(128, { input: MAIN_INPUT, policy: PASSING_POLICY }),
    "README.md": "# Functions\n",
    "docs/tuning.md": "How tuning works.\n",
    "functions/digest/index.js": "exports.handler = async () => 'digest';\n",
};

/** A change of the pull request: a path's new content, or null to delete it. */
export type Change = Readonly<Record<string, string | null>>;

/** The destination commit holds MAIN_TREE (unless given), the source commit it with `change` applied. */
export function withPullRequestChanging<Aws extends AwsModel>(
    aws: Aws,
    change: Change,
    destination: Readonly<Record<string, string>> = MAIN_TREE,
): Aws {
    const source = Object.fromEntries(
        Object.entries({ ...destination, ...change }).filter((entry): entry is [string, string] => entry[1] !== null),
    );
    aws.setCommit(PULL_REQUEST.repositoryName, PULL_REQUEST.destinationCommit, destination);
    aws.setCommit(PULL_REQUEST.repositoryName, PULL_REQUEST.sourceCommit, source);
    aws.setPullRequest({ ...PULL_REQUEST, revisionId: PULL_REQUEST_REVISION });
    return aws;
}

/** The decision function's environment, as the stack sets it, and the pull request the workflow names. */
export function decisionEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
        [RUNNER_ENVIRONMENT.repositoryName]: PULL_REQUEST.repositoryName,
        [RUNNER_ENVIRONMENT.pullRequestId]: PULL_REQUEST.pullRequestId,
        [RUNNER_ENVIRONMENT.sourceCommit]: PULL_REQUEST.sourceCommit,
        [RUNNER_ENVIRONMENT.destinationCommit]: PULL_REQUEST.destinationCommit,
        [RUNNER_ENVIRONMENT.tuningHistoryUri]: HISTORY_URI,
        [RUNNER_ENVIRONMENT.pullRequestBotRoleArn]: BOT_ROLE,
        [RUNNER_ENVIRONMENT.nonFunctionPaths]: JSON.stringify(DEFAULT_NON_FUNCTION_PATHS),
        CODEBUILD_BUILD_ID: "",
        CODEBUILD_BUILD_URL: "",
        ...extra,
    };
}

export const DECIDE_COPY = ["decide-copy"];

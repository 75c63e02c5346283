// CloudWatch Logs: the log groups a sweep removes.
import { CloudWatchLogsClient, DeleteLogGroupCommand, paginateDescribeLogGroups } from "@aws-sdk/client-cloudwatch-logs";
import type { SweepableLogGroups } from "./ports";
import { answeredByAws, clientConfig, type Credentials, everyPage } from "./sdk";

/** Log groups as a sweep lists and removes them (every page). */
export function sweepableLogGroupsClient(credentials?: Credentials): SweepableLogGroups {
    const logs = answeredByAws(new CloudWatchLogsClient(clientConfig(credentials)), "json");
    return {
        list: (namePrefix) =>
            everyPage(paginateDescribeLogGroups({ client: logs }, { logGroupNamePrefix: namePrefix }), (page) =>
                page.logGroups?.map((group) => ({ name: group.logGroupName!, createdAt: group.creationTime })),
            ),
        async delete(logGroupName) {
            await logs.send(new DeleteLogGroupCommand({ logGroupName }));
        },
    };
}
